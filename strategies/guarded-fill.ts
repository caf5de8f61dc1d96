import { encodeEntry } from './cache-codec.ts';
import { type StrategySteps, servedFromDb } from './steps.ts';
import type { ReadResult } from './types.ts';

/** How a pattern guards its fill: who may store it, and how the guard is given up. */
export interface FillGuard {
  /** Gives the guard up (a lease token, a lock owner) when the fill stops before storing. */
  release(): Promise<unknown>;
  /** Stores the encoded entry only while the guard still holds; true when it was stored. */
  store(entry: Buffer): Promise<boolean>;
  /** The counter a refused fill bumps (`leaseFillsRefused`, `refillsRefused`). */
  refusedCounter: string;
}

/**
 * A fill that only the holder of a guard may store (leases, tag-as-deleted's lock owner):
 * read MySQL, then store the row with the guard's compare-and-set; a refused store is traced
 * as `cache-set-refused`. The guard is released when MySQL fails or has no row. The pause
 * points are the read-through's: after the miss, after the DB read, before the cache set.
 */
export async function guardedFill(
  steps: StrategySteps,
  key: number,
  opId: number,
  guard: FillGuard,
): Promise<ReadResult> {
  let p = steps.pause('after-cache-miss', key, opId);
  if (p) await p;
  let item: Awaited<ReturnType<typeof steps.dbRead>>;
  try {
    item = await steps.dbRead(key, opId);
  } catch (error) {
    steps.counter.redisCommands++;
    await guard.release().catch(() => undefined);
    throw error;
  }
  p = steps.pause('after-db-read', key, opId);
  if (p) await p;
  if (item === undefined) {
    steps.counter.redisCommands++;
    await guard.release();
    return servedFromDb(undefined);
  }
  p = steps.pause('before-cache-set', key, opId);
  if (p) await p;
  steps.counter.redisCommands++;
  if (await guard.store(encodeEntry(item.version, item.payload))) {
    steps.trace('cache-set', key, item.version, opId);
  } else {
    steps.trace('cache-set-refused', key, item.version, opId);
    steps.bump(guard.refusedCounter);
  }
  return servedFromDb(item);
}
