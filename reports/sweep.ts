import { formatTextTable } from '../kernel/index.ts';
import { html } from './escape.ts';
import { formatDecimal, formatInteger, formatPercent } from './format.ts';
import { costPerOp } from './metrics.ts';
import { type ChartSeries, type ChartSpec, chartSlot, renderPage } from './page.ts';
import type { RunResult } from './types.ts';

/** The version of sweep.json's shape. */
export const SWEEP_SCHEMA_VERSION = 1;

/** What a sweep keeps of one run: the figures its charts and table show. */
export interface SweepFigures {
  goodput: number;
  staleReadRate: number;
  staleReads: number;
  /** Keys left stale: cache entries older than MySQL's row at the final snapshot. */
  divergentKeys: number;
  lostWrites: number | null;
  readP99Ms: number;
  writeP99Ms: number;
  /** MySQL queries per operation that completed ok. */
  dbQueriesPerOp: number | null;
  /** Redis commands (as Redis counted them) per operation that completed ok; null when not measured. */
  redisCommandsPerOp: number | null;
  hitRatio: number;
}

/** One run of one value. */
export interface SweepRun {
  /** The round it ran in (from 1): rounds alternate the order of the values. */
  round: number;
  /** Its result.json, relative to the sweep's directory. */
  file: string;
  interrupted: boolean;
  figures: SweepFigures;
}

/** sweep.json: one strategy, one seed and plan, one setting varied over a list of values. */
export interface SweepResult {
  schemaVersion: number;
  createdAt: string;
  strategy: string;
  /** The setting varied: a strategy option's name or a workload setting (`ttl`, `keys`, …). */
  vary: string;
  /** `strategy-option` or `workload`. */
  varyKind: 'strategy-option' | 'workload';
  values: string[];
  seed: number;
  /** The fault plan's name (`calm` for none). */
  plan: string;
  /** The workload as the runs had it, in words. */
  workload: string;
  durationMs: number;
  /** Rounds asked for (`--runs`). */
  runs: number;
  commandLine: string[];
  /** True when an interrupt cut the sweep short. */
  interrupted: boolean;
  /** Per value, in the order of `values`, the runs made of it. */
  points: { value: string; runs: SweepRun[] }[];
}

/** The figures a sweep keeps of a run's result. */
export function sweepFigures(result: RunResult): SweepFigures {
  const cost = costPerOp(result);
  return {
    goodput: result.throughput.goodput,
    staleReadRate: result.consistency.staleReadRate,
    staleReads: result.consistency.staleReads,
    divergentKeys: result.consistency.divergentKeys,
    lostWrites: result.consistency.lostWrites,
    readP99Ms: result.latency.read.p99,
    writeP99Ms: result.latency.write.p99,
    dbQueriesPerOp: cost.dbQueries,
    redisCommandsPerOp: cost.redisCommands,
    hitRatio: result.cache.hitRatio,
  };
}

/** The median of the numbers among `values` (nulls left out); null when there are none. */
export function medianOf(values: readonly (number | null)[]): number | null {
  const sorted = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

type FigureName = keyof SweepFigures;

/** A chart of the report: one or two figures against the varied value. */
interface SweepChart {
  id: string;
  title: string;
  yLabel: string;
  figures: { name: FigureName; label: string; color: string }[];
}

/** The charts of sweep.html, one per metric, in order. */
export const SWEEP_CHARTS: readonly SweepChart[] = [
  {
    id: 'sweep-stale',
    title: 'Stale-read rate',
    yLabel: 'stale reads / ok reads',
    figures: [{ name: 'staleReadRate', label: 'stale-read rate', color: '#c53030' }],
  },
  {
    id: 'sweep-divergent',
    title: 'Keys left stale at the final snapshot',
    yLabel: 'keys',
    figures: [{ name: 'divergentKeys', label: 'keys left stale', color: '#b7791f' }],
  },
  {
    id: 'sweep-goodput',
    title: 'Goodput',
    yLabel: 'ok ops/s',
    figures: [{ name: 'goodput', label: 'goodput', color: '#2f855a' }],
  },
  {
    id: 'sweep-p99',
    title: 'p99 latency',
    yLabel: 'ms',
    figures: [
      { name: 'readP99Ms', label: 'read p99', color: '#2b6cb0' },
      { name: 'writeP99Ms', label: 'write p99', color: '#c05621' },
    ],
  },
  {
    id: 'sweep-db',
    title: 'MySQL queries per ok operation',
    yLabel: 'queries / ok op',
    figures: [{ name: 'dbQueriesPerOp', label: 'MySQL queries/op', color: '#6b46c1' }],
  },
  {
    id: 'sweep-redis',
    title: 'Redis commands per ok operation',
    yLabel: 'commands / ok op',
    figures: [{ name: 'redisCommandsPerOp', label: 'Redis commands/op', color: '#dd6b20' }],
  },
];

/** A chart's data: each run as a point, the median over the runs as a line, against the values as categories. */
export function sweepChartSpec(sweep: SweepResult, chart: SweepChart): ChartSpec {
  const rounds = Math.max(0, ...sweep.points.map((p) => p.runs.length));
  const series: ChartSeries[] = [];
  for (const figure of chart.figures) {
    series.push({
      label: `${figure.label} (median)`,
      color: figure.color,
      style: 'line',
      values: sweep.points.map((p) => medianOf(p.runs.map((run) => run.figures[figure.name]))),
    });
    if (rounds > 1) {
      for (let r = 0; r < rounds; r++) {
        series.push({
          label: `${figure.label} run ${r + 1}`,
          color: figure.color,
          style: 'points',
          values: sweep.points.map((p) => p.runs[r]?.figures[figure.name] ?? null),
        });
      }
    }
  }
  return {
    id: chart.id,
    x: sweep.points.map((_, i) => i),
    xCategories: sweep.points.map((p) => p.value),
    xLabel: sweep.vary,
    yLabel: chart.yLabel,
    yMin: 0,
    series,
    bands: [],
  };
}

/** A figure as the table prints it. */
function cell(name: FigureName, value: number | null): string {
  if (value === null) return '–';
  switch (name) {
    case 'staleReadRate':
    case 'hitRatio':
      return formatPercent(value);
    case 'goodput':
    case 'divergentKeys':
    case 'staleReads':
    case 'lostWrites':
      return formatInteger(Math.round(value));
    case 'readP99Ms':
    case 'writeP99Ms':
      return formatDecimal(value, 2);
    default:
      return formatDecimal(value, 2);
  }
}

/** The table's columns: header and figure. */
const TABLE_COLUMNS: readonly [string, FigureName][] = [
  ['goodput', 'goodput'],
  ['stale rate', 'staleReadRate'],
  ['stale reads', 'staleReads'],
  ['keys stale', 'divergentKeys'],
  ['lost', 'lostWrites'],
  ['read p99 ms', 'readP99Ms'],
  ['write p99 ms', 'writeP99Ms'],
  ['MySQL q/op', 'dbQueriesPerOp'],
  ['Redis cmd/op', 'redisCommandsPerOp'],
  ['hit ratio', 'hitRatio'],
];

/** The rows of the table: per value, the median over its runs of each figure. */
function tableRows(sweep: SweepResult): string[][] {
  return sweep.points.map((point) => [
    `${sweep.vary}=${point.value}`,
    String(point.runs.length),
    ...TABLE_COLUMNS.map(([, name]) => cell(name, medianOf(point.runs.map((run) => run.figures[name])))),
  ]);
}

const HEADER = ['value', 'runs', ...TABLE_COLUMNS.map(([header]) => header)];

/** The text table `npm run bench:sweep` prints: one row per value, medians over its runs. */
export function formatSweepTable(sweep: SweepResult): string {
  const title = `${sweep.strategy} · ${sweep.vary} swept · seed ${sweep.seed} · plan ${sweep.plan} · ${sweep.workload} · ${sweep.durationMs / 1000}s each · ${sweep.runs} round${sweep.runs === 1 ? '' : 's'}${sweep.interrupted ? ' · INTERRUPTED' : ''}`;
  const table = formatTextTable(HEADER, tableRows(sweep), {
    align: HEADER.map((_, column) => (column === 0 ? 'left' : 'right')),
  });
  return `${title}\n${table}\n`;
}

/** sweep.html: the settings, one chart per metric against the varied value, the table, the runs' files. */
export function renderSweepReport(sweep: SweepResult): string {
  const charts = SWEEP_CHARTS.map((chart) => sweepChartSpec(sweep, chart));
  const rows = tableRows(sweep).map(
    (row) =>
      html`<tr>${row.map((c, i) => (i === 0 ? html`<th scope="row">${c}</th>` : html`<td class="num">${c}</td>`))}</tr>`,
  );
  const files = sweep.points.flatMap((point) =>
    point.runs.map(
      (run) =>
        html`<li>${sweep.vary}=${point.value}, round ${run.round}: <a href="${run.file.replace(/result\.json$/, 'report.html')}">${run.file}</a>${run.interrupted ? ' (interrupted)' : ''}</li>`,
    ),
  );
  const body = html`<h1>Sweep of ${sweep.vary} · ${sweep.strategy}</h1>
${sweep.interrupted ? html`<p class="banner">This sweep was interrupted: only the runs listed below ran.</p>` : ''}
<section id="settings"><p class="muted">${`${sweep.strategy} · ${sweep.vary} (${sweep.varyKind}) over ${sweep.values.join(', ')} · seed ${sweep.seed} · plan ${sweep.plan} · ${sweep.workload} · ${sweep.durationMs / 1000}s measured per run · ${sweep.runs} round${sweep.runs === 1 ? '' : 's'}, the order of the values alternating between rounds · ${sweep.createdAt}`}</p>
<p class="muted">Each line is the median over the rounds; with more than one round each run is also a point.</p></section>
<section id="charts">${SWEEP_CHARTS.map((chart) => html`<h2>${chart.title}</h2>${chartSlot(chart.id, `${chart.title} against ${sweep.vary}`)}`)}</section>
<section id="table"><h2>Medians per value</h2><div class="scroll"><table class="compact" id="sweep-table"><thead><tr>${HEADER.map((h, i) => (i === 0 ? html`<th>${h}</th>` : html`<th class="num">${h}</th>`))}</tr></thead><tbody>${rows}</tbody></table></div></section>
<section id="runs"><h2>Runs</h2><ul>${files}</ul><p class="muted">Command: <code>${sweep.commandLine.join(' ')}</code></p></section>`;
  return renderPage(`cacheproof sweep: ${sweep.strategy} ${sweep.vary}`, body, charts);
}
