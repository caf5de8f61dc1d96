import { findDivergentKeys } from './divergence.ts';
import { buildExamples } from './examples.ts';
import { analyseFaultWindows, faultSpansOf } from './fault-windows.ts';
import { keySlots } from './key-slots.ts';
import { findLostWrites, findWritesAboveFinalRow } from './lost-writes.ts';
import { consistencyNines } from './nines.ts';
import { analyseReads } from './read-analysis.ts';
import { anomalySeries } from './series.ts';
import { summarizeStaleReads } from './stale-reads.ts';
import type { CheckOptions, ConsistencyReport, FaultWindowReport, FinalSnapshot, History } from './types.ts';
import { DEFAULT_VISIBILITY_BUCKETS_MS, visibilityEdges, visibilityPoints } from './visibility.ts';
import { buildWriteRecords } from './write-records.ts';

export { findDivergentKeys } from './divergence.ts';
export { buildExamples, type ExampleSources } from './examples.ts';
export { analyseFaultWindows, faultSpansOf } from './fault-windows.ts';
export { findLostWrites, findWritesAboveFinalRow, type LostWriteInputs } from './lost-writes.ts';
export { consistencyNines } from './nines.ts';
export { percentileNearestRank } from './percentile.ts';
export type { StaleReadTable, VisibilityCounts } from './read-analysis.ts';
export { anomalySeries } from './series.ts';
export { findStaleReads, staleReadList, summarizeStaleReads } from './stale-reads.ts';
export {
  DEFAULT_VISIBILITY_BUCKETS_MS,
  visibilityCurve,
  visibilityEdges,
  visibilityPoints,
} from './visibility.ts';

/** Worked examples per anomaly kind when the options do not say. */
export const DEFAULT_MAX_EXAMPLES_PER_KIND = 3;

/**
 * Checks a history and the final snapshot of cache and MySQL (docs/definitions.md):
 * stale reads with their age and lag, t-visibility, divergent keys, lost writes, per-second
 * series, consistency nines, worked examples and, when asked, the fault-window breakdown. Pure and synchronous; `valid` is true when
 * there is no stale read, no divergent key, no lost write and no write above the final row.
 */
export function check(
  history: History,
  snapshot: FinalSnapshot,
  options: CheckOptions = {},
): ConsistencyReport {
  const edges = visibilityEdges(options.visibilityBucketsMs ?? DEFAULT_VISIBILITY_BUCKETS_MS);
  const slots = keySlots(history);
  const records = buildWriteRecords(history, slots);
  const reads = analyseReads(history, slots, records, edges);
  const divergentKeys = findDivergentKeys(snapshot);
  const inputs = { slots, okWriteRows: records.byCompletion };
  const commits = options.commits ?? { source: 'unavailable', reason: 'no commit record was given' };
  const lostWrites = commits.source === 'binlog' ? findLostWrites(history, commits, snapshot, inputs) : [];
  const writesAboveFinalRow = findWritesAboveFinalRow(history, snapshot, inputs);
  const stale = summarizeStaleReads(reads.stale);
  return {
    faultWindows: analyseFaults(history, reads.stale.op.subarray(0, reads.stale.count), options),
    valid:
      stale.staleReads === 0 &&
      divergentKeys.length === 0 &&
      lostWrites.length === 0 &&
      writesAboveFinalRow.length === 0,
    stale,
    visibility: visibilityPoints(reads.visibility),
    divergentKeys,
    lostWrites,
    lostWritesMeasuredBy:
      commits.source === 'binlog' ? { by: 'binlog' } : { by: 'unavailable', reason: commits.reason },
    writesAboveFinalRow,
    series: anomalySeries(history, reads.stale),
    examples: buildExamples(history, {
      stale: reads.stale,
      divergentKeys,
      lostWrites: commits.source === 'binlog' ? lostWrites : writesAboveFinalRow,
      steps: options.steps ?? [],
      maxExamplesPerKind: options.maxExamplesPerKind ?? DEFAULT_MAX_EXAMPLES_PER_KIND,
    }),
    nines: consistencyNines(options.probes ?? []),
  };
}

function analyseFaults(
  history: History,
  staleOps: Uint32Array,
  options: CheckOptions,
): FaultWindowReport | null {
  const windows = faultSpansOf(history.faults);
  if (options.faultWindows === undefined || windows.length === 0) return null;
  const analysis = analyseFaultWindows(history, windows, { ...options.faultWindows, staleOps });
  return {
    windows: windows.map((window, i) => ({
      ...window,
      recoveryMs: analysis.recoveryMs[i] ?? null,
      effect: analysis.effects[i] ?? 'no-baseline',
      ...(analysis.perWindow[i] === undefined ? {} : { inside: analysis.perWindow[i] }),
    })),
    inside: analysis.inside,
    outside: analysis.outside,
  };
}
