import type { ConsistencyNines, ConsistencyProbe } from './types.ts';

/** Share of probes that found cache and MySQL consistent, per probe delay, ascending by delay. */
export function consistencyNines(probes: readonly ConsistencyProbe[]): ConsistencyNines[] {
  const byDelay = new Map<number, { probes: number; consistent: number }>();
  for (const probe of probes) {
    const counts = byDelay.get(probe.delayMs) ?? { probes: 0, consistent: 0 };
    counts.probes++;
    if (probe.consistent) counts.consistent++;
    byDelay.set(probe.delayMs, counts);
  }
  return [...byDelay.entries()]
    .sort(([a], [b]) => a - b)
    .map(([delayMs, counts]) => ({
      delayMs,
      probes: counts.probes,
      consistentShare: counts.consistent / counts.probes,
    }));
}
