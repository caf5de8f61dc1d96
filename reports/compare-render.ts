import type { Comparison, MetricDelta, StrategyComparison } from './compare.ts';
import { html, joinHtml, type SafeHtml } from './escape.ts';
import { formatMetric } from './format.ts';
import { findMetric } from './metrics.ts';
import { renderPage } from './page.ts';

/** What the two inputs were called on the command line. */
export interface ComparisonLabels {
  base: string;
  head: string;
}

/** A delta as words: "-11.1% (worse)", "+4% (better)", "no change". */
export function describeChange(delta: MetricDelta): {
  text: string;
  tone: 'worse' | 'better' | 'same' | 'missing';
} {
  if (delta.base === null || delta.head === null || delta.worseBy === null)
    return { text: '—', tone: 'missing' };
  if (delta.worseBy === 0) return { text: 'no change', tone: 'same' };
  const tone = delta.worseBy > 0 ? 'worse' : 'better';
  if (delta.base === 0) return { text: `from 0 (${tone})`, tone };
  const percent = ((delta.head - delta.base) / Math.abs(delta.base)) * 100;
  if (Math.abs(percent) < 0.01) return { text: `${percent > 0 ? '+' : '-'}<0.01% (${tone})`, tone };
  const rounded = Math.abs(percent) >= 10 ? percent.toFixed(1) : percent.toPrecision(2);
  return { text: `${percent > 0 ? '+' : ''}${Number(rounded)}% (${tone})`, tone };
}

/** The metrics of the one-row-per-strategy overview of a matrix comparison. */
const OVERVIEW_METRICS = ['goodput', 'readP99Ms', 'staleReadRate', 'divergentKeys', 'lostWrites'];

const overviewLabel = (name: string): string => findMetric(name)?.label ?? name;

function formatSide(delta: MetricDelta, value: number | null): string {
  return value === null ? '—' : formatMetric(delta.metric, value);
}

function verdictLine(comparison: Comparison): string {
  const rules = comparison.thresholds.length + comparison.maxRegressions.length;
  if (comparison.crossings.length > 0) {
    return `${comparison.crossings.length} rule${comparison.crossings.length === 1 ? '' : 's'} crossed`;
  }
  return rules === 0 ? 'no thresholds or allowed regressions given' : `all ${rules} rules hold`;
}

function sideNote(s: StrategyComparison): string {
  if (s.base === null) return 'only in head';
  if (s.head === null) return 'only in base';
  return '';
}

/** Escapes text for a Markdown table cell (GitHub renders inline HTML, so `<` too). */
function markdownCell(text: string): string {
  return text
    .replace(/[\\|`*_[\]<>]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : `\\${c}`))
    .replace(/\r?\n/g, ' ');
}

function markdownTable(s: StrategyComparison): string {
  const rows = s.deltas.map((d) => {
    const change = describeChange(d);
    const mark = d.crossed ? ' ❌' : '';
    return `| ${d.metric.label}${mark} | ${formatSide(d, d.base)} | ${formatSide(d, d.head)} | ${change.text} |`;
  });
  return ['| metric | base | head | change |', '|---|---:|---:|---|', ...rows].join('\n');
}

/**
 * The comparison as GitHub-flavoured Markdown for a CI job summary: the verdict, the
 * crossed rules, an overview per strategy, then each strategy's metrics.
 */
export function renderComparisonMarkdown(comparison: Comparison, labels: ComparisonLabels): string {
  const failed = comparison.crossings.length > 0;
  const lines = [
    `## cacheproof: ${markdownCell(labels.head)} against ${markdownCell(labels.base)}`,
    '',
    `${failed ? '❌' : '✅'} **${verdictLine(comparison)}**`,
    '',
  ];
  if (failed) {
    for (const c of comparison.crossings) {
      const rule = `${c.kind === 'threshold' ? 'threshold' : 'max regression'} \`${c.rule.replace(/`/g, "'")}\``;
      lines.push(`- **${markdownCell(c.strategy)}**: ${rule} crossed: ${markdownCell(c.detail)}`);
    }
    lines.push('');
  }
  if (comparison.strategies.length > 1) {
    lines.push(
      `| strategy | ${OVERVIEW_METRICS.map(overviewLabel).join(' | ')} | rules |`,
      `|---|${OVERVIEW_METRICS.map(() => '---:|').join('')}---|`,
    );
    for (const s of comparison.strategies) {
      const cell = (name: string): string => {
        const d = s.deltas.find((x) => x.metric.name === name);
        return d === undefined ? '—' : `${formatSide(d, d.base)} → ${formatSide(d, d.head)}`;
      };
      const rules = s.crossings.length > 0 ? `❌ ${s.crossings.length} crossed` : sideNote(s) || '✅';
      lines.push(`| ${markdownCell(s.strategy)} | ${OVERVIEW_METRICS.map(cell).join(' | ')} | ${rules} |`);
    }
    lines.push('');
  }
  for (const s of comparison.strategies) {
    const note = sideNote(s);
    if (comparison.strategies.length > 1) {
      lines.push(
        `<details${s.crossings.length > 0 ? ' open' : ''}><summary>${markdownCell(s.strategy)}${note === '' ? '' : ` (${note})`}</summary>`,
        '',
      );
    } else if (note !== '') {
      lines.push(`_${note}_`, '');
    }
    lines.push(markdownTable(s), '');
    if (comparison.strategies.length > 1) lines.push('</details>', '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

function htmlTable(s: StrategyComparison): SafeHtml {
  const rows = s.deltas.map((d) => {
    const change = describeChange(d);
    const tone =
      change.tone === 'worse' ? html` class="crossed"` : change.tone === 'better' ? html` class="best"` : '';
    return html`<tr${d.crossed ? html` data-crossed="true"` : ''}><th scope="row">${d.metric.label}${d.crossed ? html` <span class="badge bad">crossed</span>` : ''}</th><td class="num" data-metric="${d.metric.name}" data-side="base" data-value="${d.base ?? ''}">${formatSide(d, d.base)}</td><td class="num" data-metric="${d.metric.name}" data-side="head" data-value="${d.head ?? ''}">${formatSide(d, d.head)}</td><td class="num"><span${tone}>${change.text}</span></td></tr>`;
  });
  return html`<table><thead><tr><th>metric</th><th class="num">base</th><th class="num">head</th><th class="num">change</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** The comparison as a self-contained HTML page (no scripts, no requests). */
export function renderComparisonHtml(comparison: Comparison, labels: ComparisonLabels): string {
  const failed = comparison.crossings.length > 0;
  const crossings = failed
    ? html`<ul>${comparison.crossings.map((c) => html`<li class="crossed">${c.message}</li>`)}</ul>`
    : '';
  const rules = [
    ...comparison.thresholds.map((t) => t.text),
    ...comparison.maxRegressions.map((r) => `max regression ${r.text}`),
  ];
  const sections = joinHtml(
    comparison.strategies.map((s) => {
      const note = sideNote(s);
      const runs = joinHtml(
        [s.base, s.head].flatMap((r, i) =>
          r === null
            ? []
            : [
                html`${i === 0 ? 'base' : 'head'} run <span class="mono">${r.run.id}</span> (seed ${r.run.seed})`,
              ],
        ),
        ' · ',
      );
      return html`<section data-strategy="${s.strategy}"><h2>${s.strategy}${note === '' ? '' : html` <span class="badge warn">${note}</span>`}${s.crossings.length > 0 ? html` <span class="badge bad">crossed</span>` : ''}</h2><p class="muted">${runs}</p>${htmlTable(s)}</section>`;
    }),
    '\n',
  );
  const overview =
    comparison.strategies.length < 2
      ? ''
      : html`<section id="overview"><h2>Overview</h2><div class="scroll"><table><thead><tr><th>strategy</th>${OVERVIEW_METRICS.map((name) => html`<th class="num">${overviewLabel(name)}</th>`)}<th>rules</th></tr></thead><tbody>${comparison.strategies.map(
          (s) => {
            const cells = OVERVIEW_METRICS.map((name) => {
              const d = s.deltas.find((x) => x.metric.name === name);
              return html`<td class="num">${d === undefined ? '—' : `${formatSide(d, d.base)} → ${formatSide(d, d.head)}`}</td>`;
            });
            const rules =
              s.crossings.length > 0
                ? html`<span class="badge bad">${s.crossings.length} crossed</span>`
                : sideNote(s) || 'hold';
            return html`<tr><th scope="row">${s.strategy}</th>${cells}<td>${rules}</td></tr>`;
          },
        )}</tbody></table></div></section>`;
  const body = html`<header>
<h1>cacheproof: comparison</h1>
<p class="subtitle">base <span class="mono">${labels.base}</span> · head <span class="mono">${labels.head}</span></p>
</header>
<section id="verdict"><h2>${failed ? html`<span class="badge bad">failed</span>` : html`<span class="badge good">passed</span>`} ${verdictLine(comparison)}</h2>
${crossings}
<p class="muted">${
    rules.length === 0
      ? 'No rules given.'
      : html`Rules: ${joinHtml(
          rules.map((r) => html`<code>${r}</code>`),
          ', ',
        )}`
  }</p></section>
${overview}
${sections}`;
  return renderPage(`cacheproof: ${labels.head} against ${labels.base}`, body, []);
}
