import type { ConsistencyNines, ConsistencyProbe } from './types.ts';

interface DelayCounts {
  probes: number;
  consistent: number;
  flushLagged: number;
  /** Per key: [probes, consistent]. */
  byKey: Map<number, [number, number]>;
}

/**
 * Per probe delay, ascending: how many sampled writes were probed, how many found the cache
 * inconsistent, the consistent share weighted per write and per key, and the flush lag seen.
 */
export function consistencyNines(probes: readonly ConsistencyProbe[]): ConsistencyNines[] {
  const byDelay = new Map<number, DelayCounts>();
  for (const probe of probes) {
    let counts = byDelay.get(probe.delayMs);
    if (counts === undefined) {
      counts = { probes: 0, consistent: 0, flushLagged: 0, byKey: new Map() };
      byDelay.set(probe.delayMs, counts);
    }
    counts.probes++;
    if (probe.consistent) counts.consistent++;
    if (probe.flushLag === true) counts.flushLagged++;
    const key = counts.byKey.get(probe.key) ?? [0, 0];
    key[0]++;
    if (probe.consistent) key[1]++;
    counts.byKey.set(probe.key, key);
  }
  return [...byDelay.entries()]
    .sort(([a], [b]) => a - b)
    .map(([delayMs, counts]) => {
      let keyShares = 0;
      for (const [probed, consistent] of counts.byKey.values()) keyShares += consistent / probed;
      return {
        delayMs,
        probes: counts.probes,
        inconsistent: counts.probes - counts.consistent,
        consistentShare: counts.consistent / counts.probes,
        keys: counts.byKey.size,
        keyWeightedShare: keyShares / counts.byKey.size,
        flushLagged: counts.flushLagged,
      };
    });
}
