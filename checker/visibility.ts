import { keySlots } from './key-slots.ts';
import type { VisibilityCounts } from './read-analysis.ts';
import { analyseReads } from './read-analysis.ts';
import type { History, VisibilityPoint } from './types.ts';
import { buildWriteRecords } from './write-records.ts';

/** Default t-visibility bucket edges in ms; the last bucket is open. */
export const DEFAULT_VISIBILITY_BUCKETS_MS: readonly number[] = [
  0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000,
];

/**
 * Validated bucket edges with the open last edge (+Infinity) appended when missing.
 * Throws a RangeError on edges that are not ascending finite numbers >= 0.
 */
export function visibilityEdges(bucketsMs: readonly number[] = DEFAULT_VISIBILITY_BUCKETS_MS): number[] {
  if (bucketsMs.length === 0) throw new RangeError('visibility buckets: at least one edge is needed');
  bucketsMs.forEach((edge, i) => {
    const isLastInfinity = i === bucketsMs.length - 1 && edge === Number.POSITIVE_INFINITY && i > 0;
    if (!isLastInfinity && !(Number.isFinite(edge) && edge >= 0)) {
      throw new RangeError(`visibility buckets: edge ${edge} is not a finite number >= 0`);
    }
    if (i > 0 && edge <= (bucketsMs[i - 1] as number)) {
      throw new RangeError('visibility buckets: edges must be strictly ascending');
    }
  });
  const edges = [...bucketsMs];
  if (edges[edges.length - 1] !== Number.POSITIVE_INFINITY) edges.push(Number.POSITIVE_INFINITY);
  return edges;
}

/**
 * The t-visibility curve: for each ok read with an ok write of its key completed before it,
 * t = read invoke − completion of the highest-version write completed before it; the read
 * sees that write when it returned that version or a higher one. Empty buckets are omitted.
 */
export function visibilityCurve(
  history: History,
  bucketsMs: readonly number[] = DEFAULT_VISIBILITY_BUCKETS_MS,
): VisibilityPoint[] {
  const slots = keySlots(history);
  const records = buildWriteRecords(history, slots);
  return visibilityPoints(analyseReads(history, slots, records, visibilityEdges(bucketsMs)).visibility);
}

/** Turns raw bucket counts into points, leaving out buckets without reads. */
export function visibilityPoints(counts: VisibilityCounts): VisibilityPoint[] {
  const points: VisibilityPoint[] = [];
  for (let b = 0; b < counts.reads.length; b++) {
    const reads = counts.reads[b] as number;
    if (reads === 0) continue;
    points.push({
      fromMs: counts.edgesMs[b] as number,
      toMs: counts.edgesMs[b + 1] as number,
      reads,
      visibleShare: (counts.visible[b] as number) / reads,
    });
  }
  return points;
}
