import { describeStrategy, openSteps } from '../steps.ts';
import type { CacheStrategy, StrategyContext } from '../types.ts';

const NAME = 'delete-then-update';
/** One line for `--list`. */
export const DELETE_THEN_UPDATE_SUMMARY =
  'delete the cache entry, then update MySQL; reads fill the cache on a miss';

/**
 * Delete-then-update: a write deletes `item:{id}`, then updates MySQL; a read GETs and, on
 * a miss, SELECTs and SETs. Race: a read that misses between the delete and the update
 * reads the old row and puts it back, and the cache stays stale after the update.
 * Connections: one Redis connection, up to `mysqlPoolSize` MySQL connections.
 */
export async function createDeleteThenUpdate(context: StrategyContext): Promise<CacheStrategy> {
  const steps = await openSteps(context, true);
  return {
    name: NAME,
    read: (key, opId = -1) => steps.readThrough(key, opId),
    async write(key, payload, opId = -1) {
      let p = steps.pause('before-cache-delete', key, opId);
      if (p) await p;
      await steps.cacheDelete(key, opId);
      p = steps.pause('after-cache-delete', key, opId);
      if (p) await p;
      p = steps.pause('before-db-write', key, opId);
      if (p) await p;
      const version = await steps.dbWrite(key, payload, opId);
      p = steps.pause('after-db-write', key, opId);
      if (p) await p;
      return { version };
    },
    describe: () => describeStrategy(NAME, DELETE_THEN_UPDATE_SUMMARY, context),
    stats: () => steps.counter.snapshot(),
    close: () => steps.close(),
  };
}
