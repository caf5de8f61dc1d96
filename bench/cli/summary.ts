import { dirname, join } from 'node:path';
import { formatDuration } from '../../kernel/duration.ts';
import { formatTextTable } from '../../kernel/index.ts';
import type { LatencySummary, RunResult } from '../../reports/types.ts';
import { formatFaultLines } from './fault-summary.ts';

/** The text summary of one run, as printed after it (autocannon's printResult: returns a string). */
export function formatRunSummary(result: RunResult, resultFile?: string): string {
  const { run, throughput, latency, cache, db, consistency } = result;
  const w = run.workload;
  const distribution = w.zipfConstant === null ? w.distribution : `${w.distribution} ${w.zipfConstant}`;
  const load =
    run.loadModel.kind === 'closed'
      ? `closed loop, ${run.loadModel.clients} clients`
      : `open loop, ${run.loadModel.rate} ops/s target, max ${run.loadModel.maxInFlight} in flight, ${run.loadModel.droppedOps} dropped`;
  const lines = [
    `${run.strategy} · ${w.name} (${percent(w.readRatio, 0)} reads, ${distribution}, ${w.keys} keys, ${w.valueSize} B)`,
    `  ${load} · ${formatDuration(run.durationMs)} measured after ${formatDuration(run.warmupMs)} warm-up · seed ${run.seed} · ${run.viaProxy ? 'through Toxiproxy' : 'direct'}${run.interrupted ? ' · INTERRUPTED' : ''}`,
    `throughput   ${fixed(throughput.opsPerSec, 0)} ops/s · ${throughput.reads} reads · ${throughput.writes} writes · ${throughput.errors} errors${errorKinds(throughput.errorsByKind)}`,
    `latency ms   read  ${latencyLine(latency.read)}`,
    `             write ${latencyLine(latency.write)}`,
    `cache        hit ratio ${percent(cache.hitRatio, 1)} (${cache.hits} hits, ${cache.misses} misses) · db queries ${db.queries}`,
    `consistency  stale reads ${consistency.staleReads} of ${consistency.readsChecked} (${percent(consistency.staleReadRate, 3)})` +
      (consistency.staleReads > 0
        ? ` · age p50 ${fixed(consistency.staleness.p50Ms, 2)} ms, p99 ${fixed(consistency.staleness.p99Ms, 2)} ms, max ${fixed(consistency.staleness.maxMs, 2)} ms · max lag ${consistency.staleness.maxVersionLag}`
        : ''),
    `             divergent keys ${consistency.divergentKeys} · lost writes ${consistency.lostWrites}${ninesText(result)}`,
    ...formatFaultLines(result),
    `verdict      ${consistency.valid ? 'consistent: no stale read, no divergent key, no lost write' : 'ANOMALIES FOUND'}`,
  ];
  if (resultFile !== undefined) {
    lines.push(`result       ${resultFile}`);
    lines.push(`report       ${join(dirname(resultFile), 'report.html')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The side-by-side table of a `--strategy all` run. */
export function formatMatrixTable(results: readonly RunResult[]): string {
  const header = [
    'strategy',
    'ops/s',
    'read p99 ms',
    'write p99 ms',
    'hit ratio',
    'stale reads',
    'divergent',
    'lost',
    'verdict',
  ];
  const rows = results.map((r) => [
    r.run.strategy,
    fixed(r.throughput.opsPerSec, 0),
    fixed(r.latency.read.p99, 2),
    fixed(r.latency.write.p99, 2),
    percent(r.cache.hitRatio, 1),
    String(r.consistency.staleReads),
    String(r.consistency.divergentKeys),
    String(r.consistency.lostWrites),
    r.consistency.valid ? 'consistent' : 'ANOMALIES',
  ]);
  return `${formatTextTable(header, rows, { align: header.map((_, column) => (column === 0 ? 'left' : 'right')) })}\n`;
}

function latencyLine(summary: LatencySummary): string {
  if (summary.count === 0) return 'no operations';
  return `p50 ${fixed(summary.p50, 3)} · p90 ${fixed(summary.p90, 3)} · p99 ${fixed(summary.p99, 3)} · p99.9 ${fixed(summary.p999, 3)} · max ${fixed(summary.max, 3)} · mean ${fixed(summary.mean, 3)} (${summary.count} ops)`;
}

function ninesText(result: RunResult): string {
  const nines = result.consistency.nines;
  if (nines.length === 0) return '';
  return ` · consistent after ${nines.map((n) => `${formatDuration(n.delayMs)} ${percent(n.consistentShare, 2)} of ${n.probes}`).join(', ')}`;
}

function errorKinds(byKind: Record<string, number>): string {
  const entries = Object.entries(byKind);
  if (entries.length === 0) return '';
  return ` (${entries.map(([kind, count]) => `${kind} ${count}`).join(', ')})`;
}

function percent(share: number, digits: number): string {
  return `${(share * 100).toFixed(digits)}%`;
}

function fixed(value: number, digits: number): string {
  return value.toFixed(digits);
}
