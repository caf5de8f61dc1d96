import { createHash } from 'node:crypto';
import { chartAssets } from './assets.ts';
import { html, jsonForScript, type SafeHtml, trustedMarkup } from './escape.ts';

/** One series of a chart; values line up with the chart's x. */
export interface ChartSeries {
  label: string;
  color: string;
  values: (number | null)[];
  style: 'line' | 'bars' | 'points';
  /** Draw against a second y axis on the right (small counts next to large ones). */
  rightAxis?: boolean;
}

/** A shaded x range, e.g. a fault window. */
export interface ChartBand {
  fromX: number;
  toX: number;
  color: string;
  label: string;
}

/** What the browser needs to draw one chart; the page embeds these as JSON. */
export interface ChartSpec {
  /** Matches the `data-chart-id` of the element the chart goes into. */
  id: string;
  x: number[];
  xLabel: string;
  yLabel: string;
  series: ChartSeries[];
  bands: ChartBand[];
  /** When set, x holds indices into these labels (a category axis). */
  xCategories?: string[];
  /** Scatter: pad the x range and print each series' label next to its points. */
  scatter?: boolean;
  pointLabels?: boolean;
  yMin?: number;
  yMax?: number;
  /** Label of the right y axis, when a series uses it. */
  yRightLabel?: string;
  /** A time chart: shares the page's cursor and x range with the other time charts. */
  sync?: boolean;
  /** A fixed x range (time charts: the whole run, so plots line up). */
  xMin?: number;
  xMax?: number;
}

/** The element a chart is drawn into, with a note for readers without JavaScript. */
export function chartSlot(id: string, caption: string): SafeHtml {
  return html`<figure class="chart-figure"><div class="chart" data-chart-id="${id}"><p class="muted">This chart needs JavaScript; the tables hold the numbers.</p></div><figcaption>${caption}</figcaption></figure>`;
}

/** The CSP source that allows exactly this inline script and no other. */
function scriptHash(code: string): string {
  return `'sha256-${createHash('sha256').update(code, 'utf8').digest('base64')}'`;
}

const PAGE_CSS = `
:root { --fg: #1a202c; --muted: #5a6473; --line: #d9dee5; --bg: #f6f7f9; --read: #2b6cb0; --write: #c05621;
  --bad: #c53030; --good: #2f855a; --warn: #b7791f; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 0 0 12px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 18px 20px; margin: 18px 0; }
.muted { color: var(--muted); }
.subtitle { color: var(--muted); margin: 0 0 8px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
th[scope="row"] { font-weight: 600; color: var(--fg); font-size: 14px; text-transform: none; letter-spacing: 0; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
.scroll { overflow-x: auto; }
td .badge { white-space: nowrap; }
table.compact { width: auto; min-width: 320px; }
.u-legend th { text-transform: none; letter-spacing: 0; font-size: 12.5px; color: var(--fg); font-weight: 500; }
.u-legend th, .u-legend td { border-bottom: none; padding: 2px 4px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 999px; font-weight: 600; font-size: 13px; }
.badge.good { background: #e6f4ea; color: var(--good); }
.badge.bad { background: #fdecea; color: var(--bad); }
.badge.warn { background: #fdf5e6; color: var(--warn); }
.glance { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 10px; margin: 12px 0; }
.tile { border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
.tile .label { color: var(--muted); font-size: 12px; }
.tile .value { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; white-space: nowrap; }
.tile.bad .value { color: var(--bad); }
.tile.good .value { color: var(--good); }
.chart-figure { margin: 8px 0 18px; }
.chart { min-height: 120px; width: 100%; }
figcaption { color: var(--muted); font-size: 12.5px; margin-top: 4px; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; vertical-align: -1px; margin-right: 6px; }
.best { font-weight: 700; color: var(--good); }
.crossed { color: var(--bad); font-weight: 600; }
ul.rules { list-style: none; padding-left: 0; }
ul.rules li.held { color: var(--good); }
.spread { color: var(--muted); font-size: 12.5px; white-space: nowrap; }
.example { border-top: 1px solid var(--line); padding-top: 10px; margin-top: 14px; }
.example svg { width: 100%; height: auto; display: block; background: #fbfcfd; border: 1px solid var(--line); border-radius: 6px; }
.banner { background: #fdf5e6; border: 1px solid #f6d58e; padding: 8px 12px; border-radius: 6px; margin: 10px 0; }
dl.settings { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dl.settings dt { color: var(--muted); }
dl.settings dd { margin: 0; }
footer { color: var(--muted); font-size: 12px; text-align: center; }
.verdict-words { border-left: 4px solid var(--line); padding: 4px 0 4px 14px; margin: 8px 0 14px; }
.verdict-words.good { border-color: var(--good); }
.verdict-words.bad { border-color: var(--bad); }
.verdict-words.warn { border-color: var(--warn); }
.verdict-headline { font-size: 16px; font-weight: 600; margin: 0 0 6px; }
.verdict-words h3 { font-size: 13px; margin: 8px 0 2px; color: var(--muted); }
.verdict-list { margin: 0; padding-left: 20px; }
.verdict-list li { margin: 2px 0; }
pre.command { background: #f1f3f6; border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; white-space: pre-wrap; word-break: break-all; margin: 0 0 10px; }
.scroll { position: relative; max-width: 100%; }
.scroll-cue { display: none; color: var(--muted); font-size: 12px; margin: 2px 0 0; }
td.cell { min-width: 150px; }
td.cell.good { background: #eef8f1; }
td.cell.bad { background: #fdf0ef; }
td.cell.warn { background: #fdf7ea; }
td.cell .cell-line { display: block; white-space: nowrap; }
td.cell .cell-line.crossed { white-space: normal; font-size: 12.5px; overflow-wrap: anywhere; }
#grid-table th[scope="row"] { position: sticky; left: 0; background: #fff; z-index: 1; }
.rec-sub { font-size: 14px; margin-top: 10px; }
td.cell a { font-weight: 600; }
.example .cause { font-weight: 600; }
.example .note { color: var(--muted); font-size: 12.5px; }
.side-by-side { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 12px; }
@media (max-width: 640px) {
  main { padding: 12px 8px 32px; }
  section { padding: 12px 10px; margin: 12px 0; }
  h1 { font-size: 20px; overflow-wrap: anywhere; }
  .subtitle, .muted { overflow-wrap: anywhere; }
  .glance { grid-template-columns: 1fr 1fr; }
  .tile .value { font-size: 16px; white-space: normal; }
  table.compact { min-width: 0; }
  dl.settings { grid-template-columns: 1fr; gap: 0 0; }
  dl.settings dd { margin: 0 0 6px; overflow-wrap: anywhere; }
  .scroll-cue { display: block; }
  .timeline-scroll { overflow-x: auto; }
  .timeline-scroll svg { min-width: 680px; }
  table.steps th, table.steps td { padding: 4px 5px; }
  /* Any other wide table scrolls inside its own box, with a shadow at the edge that has more. */
  table:not(.stack) { display: block; overflow-x: auto; max-width: 100%;
    background: linear-gradient(to right, #fff 30%, rgba(255,255,255,0)), linear-gradient(to left, #fff 30%, rgba(255,255,255,0)) 100% 0,
      radial-gradient(farthest-side at 0 50%, rgba(0,0,0,.18), rgba(0,0,0,0)), radial-gradient(farthest-side at 100% 50%, rgba(0,0,0,.18), rgba(0,0,0,0)) 100% 0;
    background-repeat: no-repeat; background-size: 40px 100%, 40px 100%, 14px 100%, 14px 100%; background-attachment: local, local, scroll, scroll; }
  /* Tables marked stack read as one card per row on a phone: each cell with its column's name. */
  table.stack thead { display: none; }
  table.stack, table.stack tbody, table.stack tr, table.stack th, table.stack td { display: block; width: 100%; }
  table.stack tr { border-bottom: 1px solid var(--line); padding: 6px 0; }
  table.stack td, table.stack th { border: none; padding: 2px 4px; text-align: left; white-space: normal; }
  table.stack td[data-label]::before { content: attr(data-label) ": "; color: var(--muted); }
}
`;

/**
 * A complete, self-contained HTML document: styles, data, uPlot and the chart code are all
 * inline, so the file opens from disk with no request of any kind. Its Content-Security-Policy
 * lets only the page's own two scripts run, by their SHA-256 hashes: markup that got into the
 * page some other way cannot run a script, even if a renderer forgot to escape it.
 */
export function renderPage(title: string, body: SafeHtml, charts: ChartSpec[]): string {
  const assets = chartAssets();
  const scripts = charts.length === 0 ? [] : [assets.script, assets.charts];
  const scriptSrc = scripts.length === 0 ? "'none'" : scripts.map(scriptHash).join(' ');
  // Built from constants and base64 hashes only, so it needs no escaping (and reads as written).
  const csp = `default-src 'none'; script-src ${scriptSrc}; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'`;
  const chartScripts =
    charts.length === 0
      ? ''
      : html`<script type="application/json" id="cacheproof-data">${trustedMarkup(jsonForScript({ charts }))}</script>
${scripts.map((code) => html`<script>${trustedMarkup(code)}</script>`)}`;
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${trustedMarkup(csp)}">
<title>${title}</title>
<style>${trustedMarkup(assets.css + PAGE_CSS)}</style>
</head>
<body>
<main>
${body}
<footer>Generated by cacheproof. This file is self-contained: it makes no network request.</footer>
</main>
${chartScripts}
</body>
</html>
`.markup;
}
