import { formatDuration } from '../kernel/duration.ts';
import { html, joinHtml, type SafeHtml } from './escape.ts';
import { renderExample } from './example-timeline.ts';
import { faultColor } from './fault-colors.ts';
import { faultWindowTable } from './fault-table.ts';
import {
  formatDecimal,
  formatInteger,
  formatMetric,
  formatMetricRange,
  formatMs,
  formatPercent,
} from './format.ts';
import {
  costPerOp,
  findMetric,
  HEADLINE_METRICS,
  type MetricDefinition,
  metricValue,
  redisCommandTotal,
} from './metrics.ts';
import { type ChartBand, type ChartSpec, chartSlot, renderPage } from './page.ts';
import type { InterruptedStep, RunResult } from './types.ts';
import { type Verdict, verdictOf } from './verdict.ts';

/** Series colours, stable per strategy position in a matrix. */
export const PALETTE = [
  '#2b6cb0',
  '#c05621',
  '#2f855a',
  '#6b46c1',
  '#b83280',
  '#2c7a7b',
  '#975a16',
  '#4a5568',
];
const OPS_COLOR = '#1a365d';
const READ_COLOR = '#3182ce';
const WRITE_COLOR = '#c05621';
const ERROR_COLOR = '#718096';
const STALE_COLOR = '#c53030';
/** Divergent keys and lost writes listed in full up to this many each. */
const MAX_LISTED = 20;

function metric(name: string): MetricDefinition {
  const definition = findMetric(name);
  if (definition === undefined) throw new Error(`unknown metric ${name}`);
  return definition;
}

/**
 * A value cell carrying the exact number in `data-value`, so tools (and the browser tests)
 * can check what the page says against result.json.
 */
function metricCell(result: RunResult, name: string, extraClass = ''): SafeHtml {
  const definition = metric(name);
  const value = metricValue(result, definition);
  const classes = `num${extraClass === '' ? '' : ` ${extraClass}`}`;
  const spread = result.repeats?.metrics[name];
  const text =
    spread === undefined
      ? formatMetric(definition, value)
      : formatMetricRange(definition, spread.median, spread.lo, spread.hi);
  return html`<td class="${classes}" data-metric="${name}" data-value="${value}">${text}</td>`;
}

const METHOD_WORDS = {
  runs: 'a percentile bootstrap of the median over the runs',
  seconds: "a percentile bootstrap over the runs' seconds, scaled to the median",
  range: "the runs' lowest to highest",
} as const;

/** `--runs N`: every run's headline numbers, and how the intervals above were made. */
function repeatsSection(result: RunResult): SafeHtml | '' {
  const repeats = result.repeats;
  if (repeats === undefined) return '';
  const columns = [
    'goodput',
    'readP99Ms',
    'writeP99Ms',
    'errorRate',
    'staleReadRate',
    'divergentKeys',
    'lostWrites',
  ];
  const methods = [...new Set(Object.values(repeats.metrics).map((m) => m.method))];
  const rows = repeats.runs.map(
    (run, i) =>
      html`<tr${i === repeats.representative ? html` class="representative"` : ''}><th scope="row">run ${i + 1}${i === repeats.representative ? ' (shown)' : ''}</th>${columns.map((name) => html`<td class="num" data-run="${i}" data-metric="${name}" data-value="${metric(name).value(run)}">${formatMetric(metric(name), metric(name).value(run))}</td>`)}<td class="mono">${run.run.id}</td></tr>`,
  );
  return html`<section id="repeats">
<h2>${repeats.count} runs</h2>
<p class="muted">The same strategy, plan and seed, run ${repeats.count} times. The values above are medians over the runs, with their ${Math.round(repeats.level * 100)}% interval in brackets: ${joinHtml(
    methods.map((m) => html`${METHOD_WORDS[m]}`),
    '; ',
  )} (${repeats.resamples} resamples; docs/definitions.md "Repeated runs and noise"). The charts, examples and settings below are run ${repeats.representative + 1}, the one of median goodput.</p>
<div class="scroll"><table class="compact" id="runs-table"><thead><tr><th>run</th>${columns.map((name) => html`<th class="num">${metric(name).label}</th>`)}<th>run id</th></tr></thead><tbody>${rows}</tbody></table></div>
</section>`;
}

/** "ycsb-b (95% reads, zipfian 0.99, 10,000 keys, 256 B)". */
export function describeWorkload(result: RunResult): string {
  const w = result.run.workload;
  const distribution = w.zipfConstant === null ? w.distribution : `${w.distribution} ${w.zipfConstant}`;
  return `${w.name} (${formatPercent(w.readRatio)} reads, ${distribution}, ${formatInteger(w.keys)} keys, ${formatInteger(w.valueSize)} B values)`;
}

export function describeLoadModel(result: RunResult): string {
  const model = result.run.loadModel;
  if (model.kind === 'closed') return `closed loop, ${model.clients} clients`;
  const overflow =
    model.overflow === 'queue' ? 'the rest queued' : `${formatInteger(model.droppedOps)} dropped`;
  return `open loop, ${formatInteger(model.rate)} ops/s target, at most ${model.maxInFlight} in flight, ${overflow}`;
}

/** Settings lines: what the proxy added to a round trip, and the CPU budget (absent in older results). */
function describeRoute(result: RunResult): Array<[string, string]> {
  const lines: Array<[string, string]> = [];
  const added = result.run.route?.proxyAddedMs;
  if (added !== undefined) {
    const ms = (value: number): string => `${value.toFixed(3)} ms`;
    lines.push([
      'Toxiproxy adds (p50 / p99)',
      `Redis ${ms(added.redis.addedMs.p50)} / ${ms(added.redis.addedMs.p99)}, MySQL ${ms(added.mysql.addedMs.p50)} / ${ms(added.mysql.addedMs.p99)} per round trip`,
    ]);
  }
  const cpu = result.cpu;
  if (cpu !== undefined) {
    const processes = Object.entries(cpu.processes).map(
      ([name, p]) => `${name} ${p.cores.toFixed(2)} cores (${(p.cpuMsPerOp * 1000).toFixed(1)} µs/op)`,
    );
    lines.push([
      'CPU',
      processes.join(', ') + (cpu.saturated ? ` — saturated: ${cpu.saturation.join('; ')}` : ''),
    ]);
  }
  return lines;
}

/** The topology as a settings row (absent in older results). */
function describeTopology(result: RunResult): Array<[string, string]> {
  const topology = result.run.topology;
  if (topology === undefined) return [];
  return [['topology', `MySQL ${topology.db}, Redis ${topology.cache}; reads from the ${topology.readFrom}`]];
}

/** The replica's measured lag (primary-replica topology): what it said about itself, and what it served. */
function replicationSection(result: RunResult): SafeHtml | '' {
  const r = result.replication;
  if (r === undefined) return '';
  const rows: Array<[string, string]> = [['reads from', `the ${r.readFrom}`]];
  const sbm = r.secondsBehindMaster;
  const known = sbm.samples - sbm.unknown;
  rows.push([
    'replica Seconds_Behind_Master',
    known === 0
      ? `unknown (${formatInteger(sbm.samples)} samples, every ${formatDuration(sbm.intervalMs)})`
      : `p50 ${sbm.p50} s, max ${sbm.max} s (${formatInteger(known)} samples every ${formatDuration(sbm.intervalMs)}${sbm.unknown > 0 ? `, ${formatInteger(sbm.unknown)} NULL` : ''})`,
  ]);
  const v = r.visibilityLagMs;
  rows.push([
    'a write visible on the replica after',
    v.samples === v.notVisible
      ? `not seen (${formatInteger(v.samples)} sampled writes)`
      : `p50 ${formatMs(v.p50 ?? 0)} ms, p99 ${formatMs(v.p99 ?? 0)} ms, max ${formatMs(v.max ?? 0)} ms (${formatInteger(v.samples)} sampled writes${v.notVisible > 0 ? `, ${formatInteger(v.notVisible)} never seen` : ''})`,
  ]);
  return html`<section id="replication">
<h2>Replication lag</h2>
<p class="muted">The replica's own Seconds_Behind_Master (whole seconds; 0 whenever its SQL thread has applied all it received, however late that arrived), and the time from a sampled write's ok until the replica held its version.</p>
${settingsList(rows)}
</section>`;
}

function describeFaults(result: RunResult): string {
  const faults = result.run.faults;
  if (faults.length === 0) return 'none';
  return faults
    .map(
      (f) =>
        `${f.name} on ${f.target} ${formatDuration(f.startMs)}–${f.healMs === null ? 'end' : formatDuration(f.healMs)}`,
    )
    .join('; ');
}

export function faultBands(result: RunResult): ChartBand[] {
  return result.run.faults.map((f) => ({
    fromX: f.startMs / 1000,
    toX: (f.healMs ?? result.run.durationMs) / 1000,
    color: faultColor(f),
    label: f.name,
  }));
}

export function verdictBadge(result: RunResult, short = false): SafeHtml {
  if (result.run.interrupted) return html`<span class="badge warn">interrupted</span>`;
  return result.consistency.valid
    ? html`<span class="badge good">${short ? 'consistent' : 'no anomalies'}</span>`
    : html`<span class="badge bad">${short ? 'anomalies' : 'anomalies found'}</span>`;
}

const GLANCE_METRICS = [
  'goodput',
  'readP99Ms',
  'writeP99Ms',
  'staleReadRate',
  'divergentKeys',
  'lostWrites',
  'errors',
  'hitRatio',
];

/** The verdict in words: a headline and the sentences behind it, each list under its heading. */
export function verdictWords(verdict: Verdict, id = 'verdict-words'): SafeHtml {
  const list = (title: string, sentences: string[]): SafeHtml | '' =>
    sentences.length === 0
      ? ''
      : html`<h3>${title}</h3><ul class="verdict-list">${sentences.map((s) => html`<li>${s}</li>`)}</ul>`;
  return html`<div class="verdict-words ${verdict.tone}" id="${id}" data-tone="${verdict.tone}">
<p class="verdict-headline">${verdict.headline}</p>
${list('What went wrong', verdict.consistency)}
${list('What it cost', verdict.cost)}
${list('Under faults', verdict.faults)}
</div>`;
}

/** What an interrupt in each step cut, for the banner (results without the step say `load`). */
const INTERRUPTED_BANNER: Record<InterruptedStep, string> = {
  preparing: 'before the load began: nothing was measured.',
  'warm-up': 'during the warm-up: nothing was measured.',
  load: 'during the load: the numbers cover only the part that ran.',
  drain:
    'while the strategy drained its background work: the load ran in full, but work still pending at the final snapshot may show as divergent keys or lost writes.',
  settle:
    'during the settle time: the load ran in full, but the final snapshot was taken before the settle time had passed.',
  snapshot: 'during the final snapshot: the load ran in full and the snapshot was still read in full.',
  analysis: 'during the analysis: the run was measured and checked in full.',
};

function glanceSection(result: RunResult, control: RunResult | undefined): SafeHtml {
  const tiles = GLANCE_METRICS.map((name) => {
    const definition = metric(name);
    const value = metricValue(result, definition);
    const isAnomaly = ['staleReadRate', 'divergentKeys', 'lostWrites', 'errors'].includes(name);
    const tone = !isAnomaly || value === null ? '' : value > 0 ? ' bad' : ' good';
    return html`<div class="tile${tone}"><div class="label">${definition.label}</div><div class="value">${formatMetric(definition, value)}</div></div>`;
  });
  const rows = HEADLINE_METRICS.map(
    (name) => html`<tr><th scope="row">${metric(name).label}</th>${metricCell(result, name)}</tr>`,
  );
  const r = result.run;
  return html`<section id="verdict">
<h2>Verdict ${verdictBadge(result)}</h2>
${r.interrupted ? html`<p class="banner">This run was interrupted ${INTERRUPTED_BANNER[r.interruptedDuring ?? 'load']}</p>` : ''}
${verdictWords(verdictOf(result, control))}
<div class="glance" aria-hidden="true">${tiles}</div>
<div class="scroll"><table class="headline compact" id="headline"><thead><tr><th>metric</th><th class="num">${result.repeats === undefined ? 'value' : html`median [${Math.round(result.repeats.level * 100)}% interval] of ${result.repeats.count} runs`}</th></tr></thead><tbody>${rows}</tbody></table></div>
<p class="muted">${`${r.strategy} · ${describeWorkload(result)} · ${describeLoadModel(result)} · ${formatDuration(r.durationMs)} measured after ${formatDuration(r.warmupMs)} warm-up · seed ${r.seed} · faults: ${describeFaults(result)}`}</p>
</section>`;
}

function faultSection(result: RunResult): SafeHtml | '' {
  const table = faultWindowTable(result);
  if (table === '') return '';
  return html`<section id="fault-windows"><h2>Fault windows</h2>${table}</section>`;
}

function faultLegend(result: RunResult): SafeHtml {
  if (result.run.faults.length === 0) return html`<p class="muted">No faults were injected.</p>`;
  const items = result.run.faults.map((f) => {
    const band = faultBands({ ...result, run: { ...result.run, faults: [f] } })[0] as ChartBand;
    return html`<li><span class="swatch" style="background:${band.color}"></span>${f.name} on ${f.target}: ${formatDuration(f.startMs)} → ${f.healMs === null ? 'not healed before the end' : formatDuration(f.healMs)}</li>`;
  });
  return html`<ul class="fault-legend">${items}</ul>`;
}

/** The x range every time chart of a page shares, so their plots line up second by second. */
function timeRange(durationMs: number): { xMin: number; xMax: number } {
  return { xMin: 0, xMax: Math.max(1, Math.ceil(durationMs / 1000) - 1) };
}

function timeCharts(result: RunResult): ChartSpec[] {
  const timeline = result.throughput.timeline;
  const x = timeline.map((p) => p.second);
  const bands = faultBands(result);
  const shared = { x, xLabel: 'second', bands, sync: true, ...timeRange(result.run.durationMs) };
  return [
    {
      ...shared,
      id: 'throughput',
      yLabel: 'ops/s',
      yRightLabel: 'failed or unknown/s',
      series: [
        { label: 'ok ops/s', color: OPS_COLOR, values: timeline.map((p) => p.okOps), style: 'line' },
        { label: 'reads/s', color: READ_COLOR, values: timeline.map((p) => p.reads), style: 'line' },
        { label: 'writes/s', color: WRITE_COLOR, values: timeline.map((p) => p.writes), style: 'line' },
        {
          label: 'failed or unknown/s (right)',
          color: ERROR_COLOR,
          values: timeline.map((p) => p.errors),
          style: 'line',
          rightAxis: true,
        },
      ],
    },
    {
      ...shared,
      id: 'latency',
      yLabel: 'p99 ms',
      series: [
        { label: 'read p99 ms', color: READ_COLOR, values: timeline.map((p) => p.readP99Ms), style: 'line' },
        {
          label: 'write p99 ms',
          color: WRITE_COLOR,
          values: timeline.map((p) => p.writeP99Ms),
          style: 'line',
        },
      ],
    },
    {
      ...shared,
      id: 'stale-reads',
      yLabel: 'stale reads',
      series: [
        {
          label: 'stale reads',
          color: STALE_COLOR,
          values: timeline.map((p) => p.staleReads),
          style: 'bars',
        },
      ],
    },
  ];
}

/** A t-visibility bucket in ms: "0–1", "500–1k", "10k+"; JSON turns the open edge into null. */
function bucketLabel(fromMs: number, toMs: number | null): string {
  const short = (ms: number): string => (ms >= 1000 ? `${ms / 1000}k` : `${ms}`);
  if (toMs === null || !Number.isFinite(toMs)) return `${short(fromMs)}+`;
  return `${short(fromMs)}–${short(toMs)}`;
}

function visibilityRange(percents: number[]): { yMin: number; yMax: number } {
  if (percents.length === 0) return { yMin: 0, yMax: 100 };
  const low = Math.min(...percents);
  const pad = Math.max((100 - low) * 0.15, 0.05);
  return { yMin: Math.max(0, Number((low - pad).toPrecision(3))), yMax: 100 };
}

function visibilityChart(result: RunResult): ChartSpec {
  const points = result.consistency.visibility;
  return {
    id: 'visibility',
    x: points.map((_p, i) => i),
    xCategories: points.map((p) => bucketLabel(p.fromMs, p.toMs)),
    xLabel: 'ms since the write completed',
    yLabel: 'saw it %',
    // Fitted to the data, so a curve between 99% and 100% is not a flat line at the top.
    ...visibilityRange(points.map((p) => p.visibleShare * 100)),
    bands: [],
    series: [
      {
        label: 'reads that saw the latest write %',
        color: OPS_COLOR,
        values: points.map((p) => Math.round(p.visibleShare * 1e6) / 1e4),
        style: 'line',
      },
    ],
  };
}

function latencyTable(result: RunResult): SafeHtml {
  const row = (label: string, s: RunResult['latency']['read']): SafeHtml =>
    html`<tr><th scope="row">${label}</th><td class="num" data-label="count">${formatInteger(s.count)}</td>${[s.p50, s.p90, s.p99, s.p999, s.max, s.mean].map((v, i) => html`<td class="num" data-label="${['p50', 'p90', 'p99', 'p99.9', 'max', 'mean'][i]}">${formatMs(v)}</td>`)}</tr>`;
  return html`<table class="stack"><thead><tr><th>ms</th><th class="num">count</th><th class="num">p50</th><th class="num">p90</th><th class="num">p99</th><th class="num">p99.9</th><th class="num">max</th><th class="num">mean</th></tr></thead>
<tbody>${row('read', result.latency.read)}${row('write', result.latency.write)}</tbody></table>`;
}

/** autocannon's client-side figures of an HTTP-driven run: they include HTTP and the socket. */
function httpSection(result: RunResult): SafeHtml {
  const http = result.http;
  if (http === undefined) return html``;
  const l = http.latencyMs;
  const statuses = Object.entries(http.statusCodes)
    .map(([code, count]) => `${code}: ${formatInteger(count)}`)
    .join(', ');
  return html`<h3>Measured by the HTTP client (${http.tool})</h3>
<p class="muted">Client-side figures include HTTP parsing, JSON and the loopback socket; the table above is measured in the service.</p>
<table class="compact" id="http-figures"><tbody>
<tr><th scope="row">connections</th><td class="num">${formatInteger(http.connections)}${http.overallRate === null ? '' : `, target ${formatInteger(http.overallRate)} req/s`}</td></tr>
<tr><th scope="row">requests/s (mean ± stddev)</th><td class="num">${formatDecimal(http.requestsPerSec.mean, 1)} ± ${formatDecimal(http.requestsPerSec.stddev, 1)}</td></tr>
<tr><th scope="row">latency p50 / p99 / p99.9 / max</th><td class="num">${[l.p50, l.p99, l.p999, l.max].map(formatMs).join(' / ')} ms</td></tr>
<tr><th scope="row">sent / completed / 2xx / non-2xx</th><td class="num">${[http.sent, http.completed, http.responses2xx, http.non2xx].map(formatInteger).join(' / ')}</td></tr>
<tr><th scope="row">errors (timeouts)</th><td class="num">${formatInteger(http.errors)} (${formatInteger(http.timeouts)})</td></tr>
<tr><th scope="row">status codes</th><td class="num">${statuses === '' ? 'none' : statuses}</td></tr>
<tr><th scope="row">duration by its clock</th><td class="num">${formatDecimal(http.durationSec, 1)} s</td></tr>
</tbody></table>`;
}

function consistencySection(result: RunResult): SafeHtml {
  const c = result.consistency;
  const visibilityRows = c.visibility.map(
    (p) =>
      html`<tr><td>${bucketLabel(p.fromMs, p.toMs)}</td><td class="num">${formatInteger(p.reads)}</td><td class="num">${formatPercent(p.visibleShare)}</td></tr>`,
  );
  const ninesRows = c.nines.map(
    (n) =>
      html`<tr><td>${formatDuration(n.delayMs)}</td><td class="num">${formatInteger(n.probes)}</td><td class="num">${formatPercent(n.consistentShare)}</td></tr>`,
  );
  return html`<section id="stale-reads-section">
<h2>Stale reads over time</h2>
${chartSlot('stale-reads', 'Stale reads per second: reads that returned an older version than a write completed before they began.')}
<table><thead><tr><th>stale reads</th><th class="num">rate</th><th class="num">age p50</th><th class="num">age p99</th><th class="num">age max</th><th class="num">max versions behind</th></tr></thead>
<tbody><tr><td class="num">${formatInteger(c.staleReads)} of ${formatInteger(c.readsChecked)}</td><td class="num">${formatPercent(c.staleReadRate)}</td><td class="num">${formatMs(c.staleness.p50Ms)} ms</td><td class="num">${formatMs(c.staleness.p99Ms)} ms</td><td class="num">${formatMs(c.staleness.maxMs)} ms</td><td class="num">${formatInteger(c.staleness.maxVersionLag)}</td></tr></tbody></table>
</section>
<section id="visibility-section">
<h2>t-visibility</h2>
${chartSlot('visibility', 'Of the reads issued t after a write of their key completed, the share that saw that write. A correct strategy stays at 100% from 0 ms on.')}
${c.visibility.length === 0 ? html`<p class="muted">No read followed a completed write.</p>` : html`<details><summary>Buckets</summary><table class="compact"><thead><tr><th>t, ms</th><th class="num">reads</th><th class="num">saw the write</th></tr></thead><tbody>${visibilityRows}</tbody></table></details>`}
${c.nines.length === 0 ? '' : html`<h3>Consistency nines</h3><table class="compact"><thead><tr><th>sampled after</th><th class="num">probes</th><th class="num">cache consistent with MySQL</th></tr></thead><tbody>${ninesRows}</tbody></table>`}
</section>`;
}

function anomaliesSection(result: RunResult): SafeHtml {
  const c = result.consistency;
  const examples =
    c.examples.length === 0
      ? html`<p class="muted">No anomaly to explain: the checker found no stale read, divergent key or lost write.</p>`
      : joinHtml(
          c.examples.map((example, i) =>
            renderExample(example, i, {
              ttlSeconds: result.run.ttlSeconds,
              faults: result.run.faults,
              strategyConfig: result.run.strategyConfig,
              divergent: c.divergent,
              lost: c.lost,
            }),
          ),
          '\n',
        );
  const divergentRows = c.divergent
    .slice(0, MAX_LISTED)
    .map(
      (d) =>
        html`<tr><td class="num">${formatInteger(d.key)}</td><td class="num">v${d.dbVersion}</td><td class="num">${d.cacheVersion === 0 ? 'none' : `v${d.cacheVersion}`}</td><td>${d.kind === 'cache-older' ? 'stale entry (cache older)' : 'write MySQL never got (cache newer)'}</td></tr>`,
    );
  const lostRows = c.lost
    .slice(0, MAX_LISTED)
    .map(
      (l) =>
        html`<tr><td class="num">${formatInteger(l.key)}</td><td class="num">op ${l.op}</td><td class="num">v${l.version}</td><td class="num">v${l.finalDbVersion}</td></tr>`,
    );
  const more = (total: number): SafeHtml | '' =>
    total > MAX_LISTED ? html`<p class="muted">First ${MAX_LISTED} of ${formatInteger(total)}.</p>` : '';
  return html`<section id="anomalies">
<h2>Worked anomaly examples</h2>
${examples}
${c.divergentKeys === 0 ? '' : html`<h3>Divergent keys (${formatInteger(c.divergentKeys)})</h3><table><thead><tr><th class="num">key</th><th class="num">MySQL</th><th class="num">cache</th><th>kind</th></tr></thead><tbody>${divergentRows}</tbody></table>${more(c.divergentKeys)}`}
${c.lost.length === 0 ? '' : html`<h3>${c.lostWrites === null ? `Writes above MySQL's final row (${formatInteger(c.writesAboveFinalRow)}; lost writes not measured: ${c.lostWritesMeasuredBy})` : `Lost writes (${formatInteger(c.lostWrites)}, by MySQL's binlog)`}</h3><table><thead><tr><th class="num">key</th><th class="num">write</th><th class="num">acknowledged</th><th class="num">MySQL final</th></tr></thead><tbody>${lostRows}</tbody></table>${more(c.lostWrites ?? c.writesAboveFinalRow)}`}
</section>`;
}

function settingsList(entries: [string, string][]): SafeHtml {
  return html`<dl class="settings">${entries.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`;
}

function settingsSection(result: RunResult): SafeHtml {
  const r = result.run;
  const config = Object.entries(r.strategyConfig).map(([k, v]) => `${k}=${String(v)}`);
  const faultRows = r.faults.map(
    (f) =>
      html`<tr><td>${f.id}</td><td>${f.name}</td><td>${f.target}</td><td class="num">${formatDuration(f.startMs)}</td><td class="num">${f.healMs === null ? '—' : formatDuration(f.healMs)}</td><td class="mono">${JSON.stringify(f.params)}</td></tr>`,
  );
  const errorKinds = Object.entries(result.throughput.errorsByKind).map(
    ([k, v]) => html`<tr><td>${k}</td><td class="num">${formatInteger(v)}</td></tr>`,
  );
  return html`<section id="settings">
<h2>Settings, seed, environment and versions</h2>
${settingsList([
  ['run id', r.id],
  ['started at', r.startedAt],
  ['strategy', r.strategy],
  ['strategy options', config.length === 0 ? 'defaults' : config.join(', ')],
  ['seed', String(r.seed)],
  ['workload', describeWorkload(result)],
  ['load model', describeLoadModel(result)],
  ['driver', r.driver],
  ['through Toxiproxy', r.viaProxy ? 'yes' : 'no'],
  ...describeRoute(result),
  ...describeTopology(result),
  ['duration', `${formatDuration(r.durationMs)} measured after ${formatDuration(r.warmupMs)} warm-up`],
  ['cache TTL', `${r.ttlSeconds} s`],
  ['settle before the final snapshot', formatDuration(r.settleMs)],
  [
    'operations',
    `${formatInteger(result.throughput.reads)} reads, ${formatInteger(result.throughput.writes)} writes, ${formatInteger(result.throughput.errors)} errors`,
  ],
  ['cache', `${formatInteger(result.cache.hits)} hits, ${formatInteger(result.cache.misses)} misses`],
  ['MySQL queries', formatInteger(result.db.queries)],
  ...redisCommandSettings(result),
  ['environment', r.env.kind],
])}
${r.faults.length === 0 ? '' : html`<h3>Faults</h3><table><thead><tr><th>id</th><th>fault</th><th>target</th><th class="num">start</th><th class="num">heal</th><th>parameters</th></tr></thead><tbody>${faultRows}</tbody></table>`}
${errorKinds.length === 0 ? '' : html`<h3>Errors by kind</h3><table class="compact"><tbody>${errorKinds}</tbody></table>`}
<h3>Versions</h3>${settingsList(Object.entries(r.env.versions))}
</section>`;
}

/** An argument as a POSIX shell reads it back: bare when safe, else single-quoted. */
function shellWord(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** What is needed to run it again: the command line, cacheproof's version and commit, the machine. */
function reproduceSection(result: RunResult): SafeHtml {
  const env = result.run.env;
  const command =
    env.commandLine === undefined
      ? 'not recorded (result written before the command line was kept)'
      : `npm run bench -- ${env.commandLine.map(shellWord).join(' ')}`;
  const v = env.versions;
  const servers = Object.entries(v)
    .filter(([name]) => name !== 'cacheproof' && name !== 'node')
    .map(([name, version]) => `${name} ${version}`)
    .join(', ');
  return html`<section id="reproduce">
<h2>Reproduce</h2>
<pre class="command" id="command-line"><code>${command}</code></pre>
${settingsList([
  [
    'cacheproof',
    `${v.cacheproof ?? 'unknown version'}${env.gitCommit === undefined ? ' (not run from a git checkout, or not recorded)' : ` at commit ${env.gitCommit}`}`,
  ],
  ['Node', v.node ?? 'not recorded'],
  ['CPUs', env.cpus === undefined ? 'not recorded' : String(env.cpus)],
  [
    'load average at start',
    env.loadAverage === undefined
      ? 'not recorded'
      : `${env.loadAverage.map((l) => l.toFixed(2)).join(', ')} (1, 5, 15 min)`,
  ],
  ['servers', servers === '' ? 'not recorded' : servers],
  ['seed', String(result.run.seed)],
])}
</section>`;
}

/**
 * The HTML report of one run: a pure function of its result. The verdict table and every
 * number are plain HTML; the charts are drawn by inlined uPlot from inlined data.
 */
export function renderReport(result: RunResult, control?: RunResult): string {
  const r = result.run;
  const body = html`<header>
<h1>cacheproof: ${r.strategy}</h1>
<p class="subtitle">Run <span class="mono">${r.id}</span>, started ${r.startedAt}, seed ${r.seed}</p>
</header>
${glanceSection(result, control)}
${repeatsSection(result)}
<section id="throughput-section">
<h2>Throughput over time</h2>
${chartSlot('throughput', 'Operations completed per second: ok, and failed or unknown (right axis); shaded: fault windows. The time charts share one x axis and one cursor.')}
${faultLegend(result)}
</section>
${faultSection(result)}
<section id="latency-section">
<h2>Latency over time</h2>
${chartSlot('latency', 'p99 latency of the operations completed in each second, in ms; shaded: fault windows.')}
${latencyTable(result)}
${httpSection(result)}
</section>
${consistencySection(result)}
${replicationSection(result)}
${anomaliesSection(result)}
${settingsSection(result)}
${reproduceSection(result)}`;
  return renderPage(`cacheproof: ${r.strategy} (${r.id})`, body, [
    ...timeCharts(result),
    visibilityChart(result),
  ]);
}

/** The matrix table shows the headline metrics, a column each. */
const MATRIX_COLUMNS = HEADLINE_METRICS;

/** A strategy that lost writes or failed most of its operations is never the best at speed. */
function speedDisqualified(result: RunResult): boolean {
  const c = result.consistency;
  return (c.lostWrites ?? 0) > 0 || c.writesAboveFinalRow > 0 || result.throughput.errorRate > 0.5;
}

/**
 * The strategies best at a column: those whose printed value equals the best printed value
 * (ties are ties), none when every candidate prints the same. Speed columns leave out the
 * strategies that lost writes or failed most of their work.
 */
export function bestIndices(results: readonly RunResult[], definition: MetricDefinition): Set<number> {
  const candidates = results
    .map((r, i) => ({ i, value: metricValue(r, definition), r }))
    .filter(
      (c): c is { i: number; value: number; r: RunResult } =>
        c.value !== null && !(definition.speed === true && speedDisqualified(c.r)),
    );
  if (candidates.length === 0) return new Set();
  const values = candidates.map((c) => c.value);
  const target = definition.better === 'higher' ? Math.max(...values) : Math.min(...values);
  const shown = formatMetric(definition, target);
  const best = candidates.filter((c) => formatMetric(definition, c.value) === shown);
  if (best.length === candidates.length && candidates.length > 1) return new Set();
  return new Set(best.map((c) => c.i));
}

/** Says what an interrupt cut from a matrix: strategies cut short, and those never run. */
function matrixInterruptedBanner(results: RunResult[], notRun: readonly string[]): SafeHtml | '' {
  const cut = results.filter((r) => r.run.interrupted).map((r) => r.run.strategy);
  if (cut.length === 0 && notRun.length === 0) return '';
  const parts = [
    ...(cut.length > 0 ? [`cut short: ${cut.join(', ')}`] : []),
    ...(notRun.length > 0 ? [`not run: ${notRun.join(', ')}`] : []),
  ];
  return html`<p class="banner">This matrix was interrupted and is partial (${parts.join('; ')}).</p>`;
}

/**
 * One page putting a matrix run's strategies side by side: the headline table and a
 * scatter of throughput against stale-read rate (which patterns are worth their cost).
 * `notRun` names the strategies an interrupt left out: the page says it is partial.
 */
export function renderMatrixReport(results: RunResult[], notRun: readonly string[] = []): string {
  const best = new Map(MATRIX_COLUMNS.map((name) => [name, bestIndices(results, metric(name))]));
  const header = MATRIX_COLUMNS.map((name) => html`<th class="num">${metric(name).label}</th>`);
  const rows = results.map((result, i) => {
    const cells = MATRIX_COLUMNS.map((name) =>
      metricCell(result, name, best.get(name)?.has(i) === true ? 'best' : ''),
    );
    return html`<tr data-strategy="${result.run.strategy}"><th scope="row"><span class="swatch" style="background:${PALETTE[i % PALETTE.length]}"></span>${result.run.strategy}</th><td>${verdictBadge(result, true)}</td>${cells}</tr>`;
  });
  const first = results[0];
  const settings =
    first === undefined
      ? ''
      : html`<p class="muted">${`${describeWorkload(first)} · ${describeLoadModel(first)} · ${formatDuration(first.run.durationMs)} each · seed ${first.run.seed} · faults: ${describeFaults(first)}`}</p>`;
  const runRows = results.map(
    (r) =>
      html`<tr><td>${r.run.strategy}</td><td class="mono">${r.run.id}</td><td class="num">${r.run.seed}</td><td>${r.run.startedAt}</td><td class="mono">${Object.entries(
        r.run.env.versions,
      )
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}</td></tr>`,
  );

  const byThroughput = results
    .map((r, i) => ({ r, i }))
    .sort((a, b) => a.r.throughput.goodput - b.r.throughput.goodput);
  const scatterX = [...new Set(byThroughput.map(({ r }) => r.throughput.goodput))];
  const scatter: ChartSpec = {
    id: 'matrix-scatter',
    x: scatterX,
    xLabel: 'goodput, ok ops/s',
    yLabel: 'stale-read rate %',
    scatter: true,
    pointLabels: true,
    bands: [],
    series: results.map((r, i) => ({
      label: r.run.strategy,
      color: PALETTE[i % PALETTE.length] as string,
      style: 'points',
      values: scatterX.map((x) => (x === r.throughput.goodput ? r.consistency.staleReadRate * 100 : null)),
    })),
  };
  const longest = results.reduce((a, r) => Math.max(a, r.throughput.timeline.length), 0);
  const seconds = Array.from({ length: longest }, (_v, s) => s);
  const throughput: ChartSpec = {
    id: 'matrix-throughput',
    x: seconds,
    xLabel: 'second',
    yLabel: 'ok ops/s',
    bands: first === undefined ? [] : faultBands(first),
    series: results.map((r, i) => ({
      label: r.run.strategy,
      color: PALETTE[i % PALETTE.length] as string,
      style: 'line',
      // Failed operations are left out: a crashed Redis fails commands fast, which would
      // read as a burst of throughput.
      values: seconds.map((s) => {
        const point = r.throughput.timeline[s];
        return point === undefined ? null : point.okOps;
      }),
    })),
  };
  const body = html`<header>
<h1>cacheproof: ${results.length} strategies side by side</h1>
${settings}
${matrixInterruptedBanner(results, notRun)}
</header>
<section id="matrix">
<h2>Verdict at a glance</h2>
<div class="scroll"><table class="headline" id="headline"><thead><tr><th>strategy</th><th>verdict</th>${header}</tr></thead><tbody>${rows}</tbody></table></div>
<p class="muted">Bold green: the best value of a column (ties all marked). No strategy is marked best on goodput or latency where it lost writes or failed most of its operations.</p>
</section>
<section id="scatter-section">
<h2>Goodput against stale-read rate</h2>
${chartSlot('matrix-scatter', 'Right is faster, lower is more consistent: a pattern is worth its cost when nothing sits both to its right and below it.')}
</section>
<section id="matrix-throughput-section">
<h2>Throughput over time</h2>
${chartSlot('matrix-throughput', 'Operations that succeeded, per second, of each strategy (errors left out); shaded: the fault windows of the first run.')}
</section>
<section id="runs">
<h2>Runs</h2>
<table><thead><tr><th>strategy</th><th>run id</th><th class="num">seed</th><th>started at</th><th>versions</th></tr></thead><tbody>${runRows}</tbody></table>
</section>`;
  return renderPage(`cacheproof: strategy matrix (${results.length})`, body, [scatter, throughput]);
}

/** The Redis commands of the run, as Redis counted them (absent in older results). */
function redisCommandSettings(result: RunResult): [string, string][] {
  const commands = result.cache.commands;
  if (commands === undefined) return [];
  const total = redisCommandTotal(result) ?? 0;
  const perOp = costPerOp(result).redisCommands;
  const each = Object.entries(commands)
    .sort(([, a], [, b]) => b - a)
    .map(([name, calls]) => `${name} ${formatInteger(calls)}`)
    .join(', ');
  return [
    [
      'Redis commands',
      `${formatInteger(total)}${perOp === null ? '' : ` (${formatDecimal(perOp, 2)} per ok operation)`}${each === '' ? '' : `: ${each}`}`,
    ],
    ['Redis commands measured by', result.cache.commandsMeasuredBy ?? 'not recorded'],
  ];
}
