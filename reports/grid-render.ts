import { formatDuration } from '../kernel/duration.ts';
import { html, type SafeHtml } from './escape.ts';
import { faultWindowTable } from './fault-table.ts';
import { formatDecimal, formatInteger, formatPercent } from './format.ts';
import { cellCrossings, controlInColumn, type GridResult, recommend, recommendationLines } from './grid.ts';
import { type ChartSpec, chartSlot, renderPage } from './page.ts';
import { describeLoadModel, describeWorkload, faultBands, PALETTE, verdictWords } from './render.ts';
import type { Threshold } from './thresholds.ts';
import type { RunResult } from './types.ts';
import { CONTROL_STRATEGY, effectText, verdictOf } from './verdict.ts';

/** A cell's tone: within the budget or not; without a budget, whether the checker found anomalies. */
function cellTone(cell: RunResult, budget: readonly Threshold[]): 'good' | 'bad' | 'warn' {
  if (cell.run.interrupted) return 'warn';
  if (budget.length > 0) return cellCrossings(cell, budget).length === 0 ? 'good' : 'bad';
  return cell.consistency.valid ? 'good' : 'bad';
}

function gridCell(
  cell: RunResult | null,
  budget: readonly Threshold[],
  file: string | null,
  strategy: string,
  plan: string,
): SafeHtml {
  if (cell === null)
    return html`<td class="cell warn" data-strategy="${strategy}" data-plan="${plan}">not run</td>`;
  const c = cell.consistency;
  const tone = cellTone(cell, budget);
  const crossings = budget.length === 0 ? [] : cellCrossings(cell, budget);
  const lost =
    c.lostWrites === null
      ? `not measured (≥${formatInteger(c.writesAboveFinalRow)})`
      : formatInteger(c.lostWrites);
  const recovery = cell.run.faults.map(
    (f) => html`<span class="cell-line muted">${f.id}: ${effectText(f)}</span>`,
  );
  const report = file === null ? null : file.replace(/result\.json$/, 'report.html');
  return html`<td class="cell ${tone}" data-strategy="${strategy}" data-plan="${plan}" data-tone="${tone}">
<span class="cell-line" data-metric="goodput" data-value="${cell.throughput.goodput}">${formatDecimal(cell.throughput.goodput, 0)} ok ops/s</span>
<span class="cell-line" data-metric="staleReadRate" data-value="${c.staleReadRate}">stale reads ${formatPercent(c.staleReadRate)}</span>
<span class="cell-line" data-metric="divergentKeys" data-value="${c.divergentKeys}">keys left stale ${formatInteger(c.divergentKeys)}</span>
<span class="cell-line" data-metric="lostWrites" data-value="${c.lostWrites ?? ''}">lost writes ${lost}</span>
${recovery}
${crossings.map((x) => html`<span class="cell-line crossed">${x.rule}: ${x.detail}</span>`)}
${report === null ? '' : html`<a class="cell-line" href="${report}">report</a>`}
</td>`;
}

/** The recommendation's lines as headings with their lists under them (sub-lines start with two spaces). */
function recommendationHtml(lines: readonly string[]): SafeHtml {
  const blocks: { head: string; items: string[] }[] = [];
  for (const line of lines) {
    if (line.startsWith('  ')) blocks[blocks.length - 1]?.items.push(line.trim());
    else blocks.push({ head: line, items: [] });
  }
  return html`<div id="recommendation">${blocks.map(
    (b, i) =>
      html`<p class="verdict-headline${i === 0 ? '' : ' rec-sub'}">${b.head}</p>${b.items.length === 0 ? '' : html`<ul class="verdict-list">${b.items.map((item) => html`<li>${item}</li>`)}</ul>`}`,
  )}</div>`;
}

/** The ok ops/s of every strategy under one plan, that plan's fault windows shaded. */
function planChart(grid: GridResult, p: number): ChartSpec {
  const cells = grid.strategies.map((_s, s) => grid.cells[s]?.[p] ?? null);
  const first = cells.find((c): c is RunResult => c !== null);
  const longest = cells.reduce((a, c) => Math.max(a, c?.throughput.timeline.length ?? 0), 0);
  const seconds = Array.from({ length: longest }, (_v, s) => s);
  return {
    id: `grid-throughput-${p}`,
    x: seconds,
    xLabel: 'second',
    yLabel: 'ok ops/s',
    sync: true,
    xMin: 0,
    xMax: Math.max(1, longest - 1),
    bands: first === undefined ? [] : faultBands(first),
    series: grid.strategies.map((strategy, s) => ({
      label: strategy,
      color: PALETTE[s % PALETTE.length] as string,
      style: 'line',
      values: seconds.map((second) => cells[s]?.throughput.timeline[second]?.okOps ?? null),
    })),
  };
}

/**
 * The grid report: strategies × fault plans in one table (goodput, stale-read rate, keys left
 * stale, lost writes, coloured by the budget), the recommendation when a budget was given,
 * each plan's throughput over time and fault windows, and every run's verdict in words.
 * `files[s][p]`: the cell's result.json relative to the grid's directory, for links.
 */
export function renderGridReport(
  grid: GridResult,
  budget: readonly Threshold[] = [],
  files: readonly (readonly (string | null)[])[] = [],
): string {
  const first = grid.cells.flat().find((c): c is RunResult => c !== null);
  const header = grid.plans.map((p) => html`<th>${p.label}</th>`);
  const rows = grid.strategies.map(
    (strategy, s) =>
      html`<tr data-strategy="${strategy}"><th scope="row"><span class="swatch" style="background:${PALETTE[s % PALETTE.length]}"></span>${strategy}</th>${grid.plans.map(
        (plan, p) =>
          gridCell(grid.cells[s]?.[p] ?? null, budget, files[s]?.[p] ?? null, strategy, plan.label),
      )}</tr>`,
  );
  const recommendation =
    budget.length === 0
      ? html`<p class="muted">No <code>--budget</code> was given: cells are green where the checker found no anomaly, red where it found one.</p>`
      : recommendationHtml(recommendationLines(grid, recommend(grid, budget)));
  const planSections = grid.plans.map((plan, p) => {
    const control = controlInColumn(grid, p, CONTROL_STRATEGY);
    const verdicts = grid.strategies.map((strategy, s) => {
      const cell = grid.cells[s]?.[p] ?? null;
      if (cell === null) return html`<p class="muted">${strategy}: not run.</p>`;
      return html`<details><summary>${verdictOf(cell, control).headline}</summary>${verdictWords(verdictOf(cell, control), `verdict-${p}-${s}`)}${faultWindowTable(cell)}</details>`;
    });
    return html`<section id="plan-${p}" data-plan="${plan.label}">
<h2>Under ${plan.label}</h2>
${chartSlot(`grid-throughput-${p}`, `Ok operations per second of each strategy under ${plan.label}; shaded: the fault windows. The charts share one cursor.`)}
<h3>Each run's verdict</h3>
${verdicts}
</section>`;
  });
  const settings =
    first === undefined
      ? ''
      : html`<p class="muted">${`${describeWorkload(first)} · ${describeLoadModel(first)} · ${formatDuration(first.run.durationMs)} each · seed ${grid.seed}`}</p>`;
  const body = html`<header>
<h1>cacheproof: ${grid.strategies.length} strategies × ${grid.plans.length} fault plans</h1>
${settings}
</header>
<section id="verdict">
<h2>Recommendation</h2>
${budget.length === 0 ? '' : html`<p>Budget: ${budget.map((t) => html`<code>${t.text}</code> `)}</p>`}
${recommendation}
</section>
<section id="grid">
<h2>Strategies × fault plans</h2>
<div class="scroll" tabindex="0"><table class="grid-table" id="grid-table"><thead><tr><th>strategy</th>${header}</tr></thead><tbody>${rows}</tbody></table></div>
<p class="scroll-cue">Scroll the table sideways for every plan →</p>
<p class="muted">Each cell: goodput, stale-read rate (of all ok reads), keys left stale after the run, acknowledged writes lost (by MySQL's binlog), and each fault's recovery. ${budget.length === 0 ? 'Green: no anomaly.' : 'Green: within the budget; red: not, with the rules it crossed.'}</p>
</section>
${planSections}`;
  return renderPage(
    `cacheproof: grid (${grid.strategies.length} × ${grid.plans.length})`,
    body,
    grid.plans.map((_p, i) => planChart(grid, i)),
  );
}
