import type { RunResult } from './types.ts';

/** How a metric's value reads: which way is better, and how to print it. */
export interface MetricDefinition {
  name: string;
  label: string;
  /** 'higher' when a larger value is better (throughput, hit ratio). */
  better: 'higher' | 'lower';
  unit: 'ops/s' | 'ms' | 'ratio' | 'count';
  value(result: RunResult): number;
}

const totalOps = (r: RunResult): number => r.throughput.reads + r.throughput.writes;

/**
 * Every metric thresholds, regressions and comparisons can name, in the order reports list
 * them. Names are the ones `--threshold` and `--max-regression` accept.
 */
export const METRICS: readonly MetricDefinition[] = [
  {
    name: 'opsPerSec',
    label: 'Throughput',
    better: 'higher',
    unit: 'ops/s',
    value: (r) => r.throughput.opsPerSec,
  },
  { name: 'readP50Ms', label: 'Read p50', better: 'lower', unit: 'ms', value: (r) => r.latency.read.p50 },
  { name: 'readP90Ms', label: 'Read p90', better: 'lower', unit: 'ms', value: (r) => r.latency.read.p90 },
  { name: 'readP99Ms', label: 'Read p99', better: 'lower', unit: 'ms', value: (r) => r.latency.read.p99 },
  { name: 'readP999Ms', label: 'Read p99.9', better: 'lower', unit: 'ms', value: (r) => r.latency.read.p999 },
  { name: 'readMaxMs', label: 'Read max', better: 'lower', unit: 'ms', value: (r) => r.latency.read.max },
  { name: 'writeP50Ms', label: 'Write p50', better: 'lower', unit: 'ms', value: (r) => r.latency.write.p50 },
  { name: 'writeP90Ms', label: 'Write p90', better: 'lower', unit: 'ms', value: (r) => r.latency.write.p90 },
  { name: 'writeP99Ms', label: 'Write p99', better: 'lower', unit: 'ms', value: (r) => r.latency.write.p99 },
  {
    name: 'writeP999Ms',
    label: 'Write p99.9',
    better: 'lower',
    unit: 'ms',
    value: (r) => r.latency.write.p999,
  },
  { name: 'writeMaxMs', label: 'Write max', better: 'lower', unit: 'ms', value: (r) => r.latency.write.max },
  {
    name: 'staleReadRate',
    label: 'Stale-read rate',
    better: 'lower',
    unit: 'ratio',
    value: (r) => r.consistency.staleReadRate,
  },
  {
    name: 'staleReads',
    label: 'Stale reads',
    better: 'lower',
    unit: 'count',
    value: (r) => r.consistency.staleReads,
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
  { name: 'errors', label: 'Errors', better: 'lower', unit: 'count', value: (r) => r.throughput.errors },
  {
    name: 'errorRate',
    label: 'Error rate',
    better: 'lower',
    unit: 'ratio',
    value: (r) => (totalOps(r) === 0 ? 0 : r.throughput.errors / totalOps(r)),
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
    name: 'droppedOps',
    label: 'Dropped ops (open loop)',
    better: 'lower',
    unit: 'count',
    value: (r) => (r.run.loadModel.kind === 'open' ? r.run.loadModel.droppedOps : 0),
  },
];

const BY_NAME = new Map(METRICS.map((m) => [m.name, m]));

/** The metric called `name`, or undefined. */
export function findMetric(name: string): MetricDefinition | undefined {
  return BY_NAME.get(name);
}

/** The metrics a summary shows first: the verdict at a glance. */
export const HEADLINE_METRICS: readonly string[] = [
  'opsPerSec',
  'readP99Ms',
  'writeP99Ms',
  'staleReadRate',
  'staleReads',
  'divergentKeys',
  'lostWrites',
  'errors',
  'hitRatio',
];
