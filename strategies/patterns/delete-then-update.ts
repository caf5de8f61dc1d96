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
      await steps.between('cache-delete', key, opId, () => steps.cacheDelete(key, opId));
      const version = await steps.between('db-write', key, opId, () => steps.dbWrite(key, payload, opId));
      return { version };
    },
    describe: () => describeStrategy(NAME, DELETE_THEN_UPDATE_SUMMARY, context),
    stats: () => steps.counter.snapshot(),
    close: () => steps.close(),
  };
}
