/**
 * Nearest-rank percentile of ascending values: the smallest value such that at least p% of
 * the values are at or below it (rank ceil(p/100 · n), 1-based). 0 for no values.
 */
export function percentileNearestRank(sortedAscending: Float64Array, p: number): number {
  const n = sortedAscending.length;
  if (n === 0) return 0;
  const rank = Math.min(n, Math.max(1, Math.ceil((p / 100) * n)));
  return sortedAscending[rank - 1] as number;
}
