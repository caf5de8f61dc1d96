import { dirname, join } from 'node:path';
import { formatDuration } from '../../kernel/duration.ts';
import { formatTextTable, PLAIN, type Style } from '../../kernel/index.ts';
import { formatMetricRange } from '../../reports/format.ts';
import type { GridResult } from '../../reports/grid.ts';
import {
  costPerOp,
  findMetric,
  type MetricDefinition,
  metricValue,
  redisCommandTotal,
} from '../../reports/metrics.ts';
import type { RuleOutcome } from '../../reports/thresholds.ts';
import type { LatencySummary, RouteLinkCost, RunResult, SpreadMethod } from '../../reports/types.ts';
import { verdictLines, verdictOf } from '../../reports/verdict.ts';
import { formatFaultLines } from './fault-summary.ts';

/**
 * The text summary of one run, as printed after it (autocannon's printResult: returns a
 * string): the verdict in words first (relative to `control`, the session's db-only run), then
 * the numbers. `style` colours the verdict and the validity line (none by default).
 */
export function formatRunSummary(
  result: RunResult,
  resultFile?: string,
  control?: RunResult,
  style: Style = PLAIN,
): string {
  const { run, throughput, latency, cache, db, consistency } = result;
  const w = run.workload;
  const distribution = w.zipfConstant === null ? w.distribution : `${w.distribution} ${w.zipfConstant}`;
  const load =
    run.loadModel.kind === 'closed'
      ? `closed loop, ${run.loadModel.clients} clients`
      : run.loadModel.overflow === 'queue'
        ? `open loop, ${run.loadModel.rate} ops/s target, max ${run.loadModel.maxInFlight} in flight, the rest queued (no drop)`
        : `open loop, ${run.loadModel.rate} ops/s target, max ${run.loadModel.maxInFlight} in flight, ${run.loadModel.droppedOps} dropped`;
  const verdict = verdictOf(result, control);
  const [headline = '', ...reasons] = verdictLines(verdict);
  const lines = [
    `verdict      ${style[verdict.tone](headline)}`,
    ...reasons.map((line) => `             ${line}`),
    `${run.strategy} · ${w.name} (${percent(w.readRatio, 0)} reads, ${distribution}, ${w.keys} keys, ${w.valueSize} B)`,
    `  ${load} · ${formatDuration(run.durationMs)} measured after ${formatDuration(run.warmupMs)} warm-up · seed ${run.seed} · ${run.viaProxy ? 'through Toxiproxy' : 'direct'}${run.topology?.cache === 'cluster' ? ' · Redis Cluster' : ''}${run.interrupted ? ' · INTERRUPTED' : ''}`,
    ...repeatsLines(result),
    `goodput      ${fixed(throughput.goodput, 0)} ok ops/s · attempted ${fixed(throughput.attemptedOpsPerSec, 0)} ops/s · error rate ${percent(throughput.errorRate, 2)}`,
    `             ${throughput.reads} reads · ${throughput.writes} writes · ${throughput.errors} errors${errorKinds(throughput.errorsByKind)}`,
    `latency ms   read  ${latencyLine(latency.read)}`,
    `             write ${latencyLine(latency.write)}`,
    ...failedLatencyLines(result),
    ...countersLine(result),
    `cache        hit ratio ${percent(cache.hitRatio, 1)} (${cache.hits} hits, ${cache.misses} misses) · db queries ${db.queries}`,
    ...redisCommandLines(result),
    `consistency  stale reads ${consistency.staleReads} of ${consistency.readsChecked} (${percent(consistency.staleReadRate, 3)}; ${percent(consistency.staleReadRateAfterWrite, 3)} of ${consistency.readsAfterWrite} reads after a write)` +
      (consistency.staleReads > 0
        ? ` · age p50 ${fixed(consistency.staleness.p50Ms, 2)} ms, p99 ${fixed(consistency.staleness.p99Ms, 2)} ms, max ${fixed(consistency.staleness.maxMs, 2)} ms · max lag ${consistency.staleness.maxVersionLag}`
        : ''),
    `             divergent keys ${consistency.divergentKeys} · ${lostWritesText(result)}`,
    ...ninesLines(result),
    ...formatFaultLines(result),
    ...routeLines(result),
    ...replicationLines(result),
    ...cpuLines(result),
    `valid        ${consistency.valid ? style.good('consistent: no stale read, no divergent key, no lost write') : style.bad('ANOMALIES FOUND')}`,
  ];
  if (resultFile !== undefined) {
    lines.push(`result       ${resultFile}`);
    lines.push(`report       ${join(dirname(resultFile), 'report.html')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The metrics a repeated result's summary gives as median [interval]. */
const SPREAD_METRICS = [
  'goodput',
  'readP50Ms',
  'readP99Ms',
  'writeP50Ms',
  'writeP99Ms',
  'errorRate',
  'staleReadRate',
  'divergentKeys',
  'lostWrites',
];

const METHOD_WORDS: Record<SpreadMethod, string> = {
  runs: 'bootstrap of the median over the runs',
  seconds: "bootstrap over the runs' seconds",
  range: "the runs' lowest to highest",
};

/**
 * `--runs N`: how many runs, how the intervals were made, each headline metric as
 * median [interval], goodput run by run, and which run the figures below are.
 */
function repeatsLines(result: RunResult): string[] {
  const repeats = result.repeats;
  if (repeats === undefined) return [];
  const methods = new Map<SpreadMethod, string[]>();
  const figures = SPREAD_METRICS.flatMap((name) => {
    const metric = findMetric(name) as MetricDefinition;
    const spread = repeats.metrics[name];
    if (spread === undefined) return [];
    methods.set(spread.method, [...(methods.get(spread.method) ?? []), metric.label.toLowerCase()]);
    return [
      `${metric.label.toLowerCase()} ${formatMetricRange(metric, spread.median, spread.lo, spread.hi)}`,
    ];
  });
  const how =
    methods.size === 1
      ? METHOD_WORDS[[...methods.keys()][0] as SpreadMethod]
      : [...methods].map(([method, names]) => `${METHOD_WORDS[method]} (${names.join(', ')})`).join('; ');
  const goodputs = repeats.runs.map((r) => fixed(r.throughput.goodput, 0)).join(' · ');
  return [
    `runs         ${repeats.count} runs, seed ${result.run.seed} each · median [${Math.round(repeats.level * 100)}% interval: ${how}]`,
    ...figures.map((figure) => `             ${figure}`),
    `             goodput by run ${goodputs} ok ops/s · the figures below are run ${repeats.representative + 1}, the median goodput`,
  ];
}

/** Rules checked on a result, k6 style: a line each, ✓ held or ✗ broken, with the numbers ('' when none). */
export function formatRuleLines(title: string, rules: readonly RuleOutcome[], style: Style = PLAIN): string {
  return rules
    .map(
      (rule, i) =>
        `${(i === 0 ? title : '').padEnd(12)} ${rule.held ? style.good('✓') : style.bad('✗')} ${rule.rule}  ${rule.detail}\n`,
    )
    .join('');
}

/** One run of several (`--runs N`), on one line. */
export function runLine(result: RunResult): string {
  const c = result.consistency;
  const lost = c.lostWrites === null ? `≥${c.writesAboveFinalRow}?` : String(c.lostWrites);
  return `goodput ${fixed(result.throughput.goodput, 0)} ok ops/s · read p99 ${fixed(result.latency.read.p99, 3)} ms · write p99 ${fixed(result.latency.write.p99, 3)} ms · stale reads ${c.staleReads} · divergent ${c.divergentKeys} · lost ${lost}${result.run.interrupted ? ' · INTERRUPTED' : ''}`;
}

/** The side-by-side table of a `--strategy all` run. */
export function formatMatrixTable(results: readonly RunResult[]): string {
  const header = [
    'strategy',
    'goodput',
    'errors',
    'read p99 ms',
    'write p99 ms',
    'hit ratio',
    'stale reads',
    'divergent',
    'lost',
    'verdict',
  ];
  const rows = results.map((r) => {
    // The median over the runs of a repeated result, else the run's own value.
    const v = (name: string): number => metricValue(r, findMetric(name) as MetricDefinition) ?? 0;
    const lost = metricValue(r, findMetric('lostWrites') as MetricDefinition);
    return [
      r.run.strategy,
      goodputCell(r),
      percent(v('errorRate'), 1),
      fixed(v('readP99Ms'), 2),
      fixed(v('writeP99Ms'), 2),
      percent(v('hitRatio'), 1),
      String(v('staleReads')),
      String(v('divergentKeys')),
      lost === null ? `≥${r.consistency.writesAboveFinalRow}?` : String(lost),
      r.consistency.valid ? 'consistent' : 'ANOMALIES',
    ];
  });
  return `${formatTextTable(header, rows, { align: header.map((_, column) => (column === 0 ? 'left' : 'right')) })}\n`;
}

/** Goodput as the matrix and grid tables give it: the median [interval] over repeated runs. */
function goodputCell(r: RunResult): string {
  const spread = r.repeats?.metrics.goodput;
  if (spread === undefined || spread.lo === null || spread.hi === null) return fixed(r.throughput.goodput, 0);
  return `${fixed(spread.median ?? 0, 0)} [${fixed(spread.lo, 0)}–${fixed(spread.hi, 0)}]`;
}

/** The route and, when measured, what Toxiproxy added to a round trip. */
function routeLines(result: RunResult): string[] {
  const route = result.run.route;
  if (route === undefined) return [];
  const where = route.viaProxy ? 'through Toxiproxy' : 'direct (Toxiproxy bypassed)';
  const added = route.proxyAddedMs;
  if (added === undefined) return [`route        ${where}`];
  const link = (name: string, cost: RouteLinkCost): string =>
    `${name} ${signed(cost.addedMs.p50)} ms p50, ${signed(cost.addedMs.p99)} ms p99 (direct ${fixed(cost.directMs.p50, 3)} ms p50)`;
  return [
    `route        ${where} · the proxy adds to a round trip: ${link('Redis', added.redis)} · ${link('MySQL', added.mysql)} (${route.samples ?? 0} each, before the load)`,
  ];
}

/** The replica's measured lag (primary-replica topology): what it said, and what it served. */
export function replicationLines(result: RunResult): string[] {
  const r = result.replication;
  if (r === undefined) return [];
  const sbm = r.secondsBehindMaster;
  const known = sbm.samples - sbm.unknown;
  const said =
    known === 0
      ? `Seconds_Behind_Master unknown in all ${sbm.samples} samples`
      : `Seconds_Behind_Master p50 ${sbm.p50} s, max ${sbm.max} s (${known} samples${sbm.unknown > 0 ? `, ${sbm.unknown} NULL` : ''})`;
  const v = r.visibilityLagMs;
  const seen = v.samples - v.notVisible;
  const served =
    seen === 0
      ? `no sampled write seen on the replica (${v.samples} sampled)`
      : `a write is on the replica p50 ${fixed(v.p50 ?? 0, 1)} ms, p99 ${fixed(v.p99 ?? 0, 1)} ms, max ${fixed(v.max ?? 0, 1)} ms after its ok (${v.samples} sampled${v.notVisible > 0 ? `, ${v.notVisible} never seen` : ''})`;
  return [`replica      reads from the ${r.readFrom} · ${said} · ${served}`];
}

/** CPU per process and of the machine over the measured window, and a warning when it was saturated. */
function cpuLines(result: RunResult): string[] {
  const cpu = result.cpu;
  if (cpu === undefined) return [];
  const processes = Object.entries(cpu.processes).map(
    ([name, p]) => `${name} ${fixed(p.cores, 2)} cores, ${fixed(p.cpuMsPerOp * 1000, 1)} µs/op`,
  );
  const m = cpu.machine;
  const machine =
    m === undefined
      ? []
      : [
          `machine ${percent(m.busyShare, 0)} busy of ${m.cores} cores, steal ${percent(m.stealShare, 1)}, load ${m.loadAverage.map((l) => fixed(l, 2)).join(' ')}`,
        ];
  return [
    `cpu          ${[...processes, ...machine].join(' · ')}`,
    ...cpu.saturation.map(
      (reason) => `WARNING      saturated: ${reason}; throughput and latency may be the machine's`,
    ),
  ];
}

/** The grid as text: a row per strategy, a column per plan; each cell goodput / stale-read rate / keys left stale / lost. */
export function formatGridTable(grid: GridResult): string {
  const header = ['strategy', ...grid.plans.map((p) => p.label)];
  const rows = grid.strategies.map((strategy, s) => [
    strategy,
    ...grid.plans.map((_p, i) => {
      const r = grid.cells[s]?.[i] ?? null;
      if (r === null) return 'not run';
      const c = r.consistency;
      const lost = c.lostWrites === null ? `≥${c.writesAboveFinalRow}?` : String(c.lostWrites);
      const cost = costPerOp(r);
      const perOp = `db ${cost.dbQueries === null ? '–' : fixed(cost.dbQueries, 2)}/op${cost.redisCommands === null ? '' : ` · redis ${fixed(cost.redisCommands, 2)}/op`}`;
      return `${goodputCell(r)} ok/s · stale ${percent(c.staleReadRate, 3)} · keys ${c.divergentKeys} · lost ${lost} · ${perOp}`;
    }),
  ]);
  return `${formatTextTable(header, rows)}\n`;
}

function latencyLine(summary: LatencySummary): string {
  if (summary.count === 0) return 'no operations';
  return `p50 ${fixed(summary.p50, 3)} · p90 ${fixed(summary.p90, 3)} · p99 ${fixed(summary.p99, 3)} · p99.9 ${fixed(summary.p999, 3)} · max ${fixed(summary.max, 3)} · mean ${fixed(summary.mean, 3)} (${summary.count} ops)`;
}

function countersLine(result: RunResult): string[] {
  const counters = Object.entries(result.run.strategyCounters ?? {});
  if (counters.length === 0) return [];
  return [`pattern      ${counters.map(([name, value]) => `${name} ${value}`).join(' · ')}`];
}

function lostWritesText(result: RunResult): string {
  const c = result.consistency;
  if (c.lostWrites === null) {
    return `lost writes not measured (${c.lostWritesMeasuredBy}); ${c.writesAboveFinalRow} writes above MySQL's final row (a lower bound)`;
  }
  return `lost writes ${c.lostWrites} (by MySQL's binlog; ${c.writesAboveFinalRow} above MySQL's final row)`;
}

function failedLatencyLines(result: RunResult): string[] {
  const { read, write } = result.latency.failed;
  if (read.count + write.count === 0) return [];
  return [`  failed     read ${latencyLine(read)}`, `             write ${latencyLine(write)}`];
}

function ninesLines(result: RunResult): string[] {
  return result.consistency.nines.map(
    (n) =>
      `nines ${formatDuration(n.delayMs).padEnd(6)} ${percent(n.consistentShare, 2)} consistent (${n.inconsistent} of ${n.probes} sampled writes not; ${percent(n.keyWeightedShare, 2)} weighting each of ${n.keys} keys alike)` +
      (n.flushLagged > 0 ? ` · MySQL behind the cache (flush lag) in ${n.flushLagged}` : ''),
  );
}

function errorKinds(byKind: Record<string, number>): string {
  const entries = Object.entries(byKind);
  if (entries.length === 0) return '';
  return ` (${entries.map(([kind, count]) => `${kind} ${count}`).join(', ')})`;
}

function percent(share: number, digits: number): string {
  return `${(share * 100).toFixed(digits)}%`;
}

function signed(value: number): string {
  return `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(3)}`;
}

function fixed(value: number, digits: number): string {
  return value.toFixed(digits);
}

/** Redis's own count of the commands the run sent, per ok operation and the busiest commands. */
function redisCommandLines(result: RunResult): string[] {
  const commands = result.cache.commands;
  if (commands === undefined) return [];
  const total = redisCommandTotal(result) ?? 0;
  const perOp = costPerOp(result);
  const top = Object.entries(commands)
    .sort(([, a], [, b]) => b - a)
    .slice(0, 6)
    .map(([name, calls]) => `${name} ${calls}`)
    .join(', ');
  return [
    `redis        ${total} commands (${perOp.redisCommands === null ? '–' : fixed(perOp.redisCommands, 2)}/ok op; MySQL ${perOp.dbQueries === null ? '–' : fixed(perOp.dbQueries, 2)} queries/ok op)${top === '' ? '' : ` · ${top}`}`,
  ];
}
