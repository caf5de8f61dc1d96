import type { RunResult, TimelinePoint } from './types.ts';

/** How a metric's value reads: which way is better, and how to print it. */
export interface MetricDefinition {
  name: string;
  label: string;
  /** 'higher' when a larger value is better (throughput, hit ratio). */
  better: 'higher' | 'lower';
  unit: 'ops/s' | 'ms' | 'ratio' | 'count';
  /** A speed metric (throughput, latency): no strategy is best at it where it lost writes or failed most of its work. */
  speed?: boolean;
  /** The value, or null when the run could not measure it (lost writes without MySQL's binlog). */
  value(result: RunResult): number | null;
  /**
   * The metric's per-second sample, from one point of the timeline (null: the second has none,
   * e.g. a p99 of a second without ok reads); absent for metrics only the whole run measures.
   * Repeated runs and compare use it as the noise of fewer than 5 runs (docs/definitions.md).
   */
  perSecond?: (point: TimelinePoint) => number | null;
}

/**
 * Every metric thresholds, regressions and comparisons can name, in the order reports list
 * them. Names are the ones `--threshold` and `--max-regression` accept.
 */
export const METRICS: readonly MetricDefinition[] = [
  {
    name: 'goodput',
    label: 'Goodput',
    better: 'higher',
    unit: 'ops/s',
    speed: true,
    value: (r) => r.throughput.goodput,
    perSecond: (p) => p.okOps,
  },
  {
    name: 'attemptedOpsPerSec',
    label: 'Attempted ops/s',
    better: 'higher',
    unit: 'ops/s',
    speed: true,
    value: (r) => r.throughput.attemptedOpsPerSec,
    perSecond: (p) => p.ops,
  },
  {
    name: 'readP50Ms',
    label: 'Read p50',
    better: 'lower',
    unit: 'ms',
    speed: true,
    value: (r) => r.latency.read.p50,
  },
  {
    name: 'readP90Ms',
    label: 'Read p90',
    better: 'lower',
    unit: 'ms',
    speed: true,
    value: (r) => r.latency.read.p90,
  },
  {
    name: 'readP99Ms',
    label: 'Read p99',
    better: 'lower',
    unit: 'ms',
    speed: true,
    value: (r) => r.latency.read.p99,
    perSecond: (p) => (p.readP99Ms > 0 ? p.readP99Ms : null),
  },
  {
    name: 'readP999Ms',
    label: 'Read p99.9',
    better: 'lower',
    unit: 'ms',
    speed: true,
    value: (r) => r.latency.read.p999,
  },
  {
    name: 'readMaxMs',
    label: 'Read max',
    better: 'lower',
    unit: 'ms',
    speed: true,
    value: (r) => r.latency.read.max,
  },
  {
    name: 'writeP50Ms',
    label: 'Write p50',
    better: 'lower',
    unit: 'ms',
    speed: true,
    value: (r) => r.latency.write.p50,
  },
  {
    name: 'writeP90Ms',
    label: 'Write p90',
    better: 'lower',
    unit: 'ms',
    speed: true,
    value: (r) => r.latency.write.p90,
  },
  {
    name: 'writeP99Ms',
    label: 'Write p99',
    better: 'lower',
    unit: 'ms',
    speed: true,
    value: (r) => r.latency.write.p99,
    perSecond: (p) => (p.writeP99Ms > 0 ? p.writeP99Ms : null),
  },
  {
    name: 'writeP999Ms',
    label: 'Write p99.9',
    better: 'lower',
    unit: 'ms',
    speed: true,
    value: (r) => r.latency.write.p999,
  },
  {
    name: 'writeMaxMs',
    label: 'Write max',
    better: 'lower',
    unit: 'ms',
    speed: true,
    value: (r) => r.latency.write.max,
  },
  {
    name: 'staleReadRate',
    label: 'Stale-read rate',
    better: 'lower',
    unit: 'ratio',
    value: (r) => r.consistency.staleReadRate,
    perSecond: (p) => (p.reads > 0 ? p.staleReads / p.reads : null),
  },
  {
    name: 'staleReadRateAfterWrite',
    label: 'Stale-read rate (reads after a write)',
    better: 'lower',
    unit: 'ratio',
    value: (r) => r.consistency.staleReadRateAfterWrite,
  },
  {
    name: 'staleReads',
    label: 'Stale reads',
    better: 'lower',
    unit: 'count',
    value: (r) => r.consistency.staleReads,
    perSecond: (p) => p.staleReads,
  },
  {
    name: 'stalenessP99Ms',
    label: 'Staleness age p99',
    better: 'lower',
    unit: 'ms',
    value: (r) => r.consistency.staleness.p99Ms,
  },
  {
    name: 'stalenessMaxMs',
    label: 'Staleness age max',
    better: 'lower',
    unit: 'ms',
    value: (r) => r.consistency.staleness.maxMs,
  },
  {
    name: 'maxVersionLag',
    label: 'Max version lag',
    better: 'lower',
    unit: 'count',
    value: (r) => r.consistency.staleness.maxVersionLag,
  },
  {
    name: 'divergentKeys',
    label: 'Divergent keys',
    better: 'lower',
    unit: 'count',
    value: (r) => r.consistency.divergentKeys,
  },
  {
    name: 'lostWrites',
    label: 'Lost writes',
    better: 'lower',
    unit: 'count',
    value: (r) => r.consistency.lostWrites,
  },
  {
    name: 'writesAboveFinalRow',
    label: "Writes above MySQL's final row",
    better: 'lower',
    unit: 'count',
    value: (r) => r.consistency.writesAboveFinalRow,
  },
  {
    name: 'errors',
    label: 'Errors',
    better: 'lower',
    unit: 'count',
    value: (r) => r.throughput.errors,
    perSecond: (p) => p.errors,
  },
  {
    name: 'errorRate',
    label: 'Error rate',
    better: 'lower',
    unit: 'ratio',
    value: (r) => r.throughput.errorRate,
    perSecond: (p) => (p.ops > 0 ? p.errors / p.ops : null),
  },
  {
    name: 'hitRatio',
    label: 'Cache hit ratio',
    better: 'higher',
    unit: 'ratio',
    value: (r) => r.cache.hitRatio,
  },
  { name: 'dbQueries', label: 'DB queries', better: 'lower', unit: 'count', value: (r) => r.db.queries },
  {
    name: 'redisCommands',
    label: 'Redis commands',
    better: 'lower',
    unit: 'count',
    value: (r) => redisCommandTotal(r),
  },
  {
    name: 'droppedOps',
    label: 'Dropped ops (open loop)',
    better: 'lower',
    unit: 'count',
    value: (r) => (r.run.loadModel.kind === 'open' ? r.run.loadModel.droppedOps : 0),
  },
];

const BY_NAME = new Map(METRICS.map((m) => [m.name, m]));

/**
 * The value rules and summaries judge: the median over the runs of a result made with
 * `--runs N` (N > 1), else the run's own value.
 */
export function metricValue(result: RunResult, metric: MetricDefinition): number | null {
  const spread = result.repeats?.metrics[metric.name];
  return spread === undefined ? metric.value(result) : spread.median;
}

/** The metric called `name`, or undefined. */
export function findMetric(name: string): MetricDefinition | undefined {
  return BY_NAME.get(name);
}

/** The metrics a summary shows first: the verdict at a glance. */
export const HEADLINE_METRICS: readonly string[] = [
  'goodput',
  'attemptedOpsPerSec',
  'errorRate',
  'readP99Ms',
  'writeP99Ms',
  'staleReadRate',
  'staleReads',
  'divergentKeys',
  'lostWrites',
  'errors',
  'hitRatio',
];

/** The Redis commands of a run (`cache.commands` summed), or null when the result has none. */
export function redisCommandTotal(result: RunResult): number | null {
  const commands = result.cache.commands;
  return commands === undefined ? null : Object.values(commands).reduce((sum, calls) => sum + calls, 0);
}

/** Per operation that completed ok: MySQL queries and Redis commands (null: not measured, or no ok operation). */
export function costPerOp(result: RunResult): { dbQueries: number | null; redisCommands: number | null } {
  const ok = result.throughput.okOps;
  const redis = redisCommandTotal(result);
  return {
    dbQueries: ok === 0 ? null : result.db.queries / ok,
    redisCommands: ok === 0 || redis === null ? null : redis / ok,
  };
}
