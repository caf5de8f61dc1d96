import { keySlots } from './key-slots.ts';
import { percentileNearestRank } from './percentile.ts';
import { analyseReads, type StaleReadTable } from './read-analysis.ts';
import type { History, StaleRead, StaleReadSummary } from './types.ts';
import { buildWriteRecords } from './write-records.ts';

export type { StaleReadTable } from './read-analysis.ts';

/**
 * Finds every stale read: an ok read of key k that returned version v (0 = absent) although
 * an ok write of k with a version above v completed strictly before the read was invoked.
 * Fail and info writes never make a read stale; reads that are not ok are not checked.
 */
export function findStaleReads(history: History): StaleReadTable {
  const slots = keySlots(history);
  return analyseReads(history, slots, buildWriteRecords(history, slots), [0, Number.POSITIVE_INFINITY]).stale;
}

/** The stale reads as objects (for tests and small histories). */
export function staleReadList(table: StaleReadTable): StaleRead[] {
  const list: StaleRead[] = [];
  for (let i = 0; i < table.count; i++) {
    list.push({
      op: table.op[i] as number,
      key: table.key[i] as number,
      versionRead: table.versionRead[i] as number,
      latestVersion: table.latestVersion[i] as number,
      ageNs: table.ageNs[i] as number,
      lag: table.lag[i] as number,
    });
  }
  return list;
}

/** Count, rate, nearest-rank age percentiles (ms) and the largest version lag. */
export function summarizeStaleReads(table: StaleReadTable): StaleReadSummary {
  const ages = Float64Array.from(table.ageNs.subarray(0, table.count)).sort();
  let maxLag = 0;
  for (let i = 0; i < table.count; i++) maxLag = Math.max(maxLag, table.lag[i] as number);
  return {
    staleReads: table.count,
    readsChecked: table.readsChecked,
    staleReadRate: table.readsChecked === 0 ? 0 : table.count / table.readsChecked,
    readsAfterWrite: table.readsAfterWrite,
    staleReadRateAfterWrite: table.readsAfterWrite === 0 ? 0 : table.count / table.readsAfterWrite,
    ageP50Ms: percentileNearestRank(ages, 50) / 1e6,
    ageP99Ms: percentileNearestRank(ages, 99) / 1e6,
    ageMaxMs: (ages.length === 0 ? 0 : (ages[ages.length - 1] as number)) / 1e6,
    maxVersionLag: maxLag,
  };
}
