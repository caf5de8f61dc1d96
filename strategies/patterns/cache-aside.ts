import { describeStrategy, openSteps } from '../steps.ts';
import { booleanOption, booleanSpec } from '../strategy-options.ts';
import type { CacheStrategy, StrategyContext } from '../types.ts';

const NAME = 'cache-aside';
/** One line for `--list`. */
export const CACHE_ASIDE_SUMMARY =
  'update MySQL, then delete the cache entry; reads fill the cache on a miss';

/** The options it reads (`--strategy-option`), checked before a run starts. */
export const CACHE_ASIDE_OPTIONS = [booleanSpec('singleFlight')];

/**
 * Cache-aside: a write updates MySQL, then deletes `item:{id}`; a read GETs and, on a miss,
 * SELECTs and SETs. Rare race: a read that missed and read v1 SETs it after a write
 * committed v2 and deleted the entry, and the cache stays stale.
 * Option `singleFlight` (default false): one fill per key per process at a time.
 * Connections: one Redis connection, up to `mysqlPoolSize` MySQL connections.
 */
export async function createCacheAside(context: StrategyContext): Promise<CacheStrategy> {
  const singleFlight = booleanOption(context, 'singleFlight', false);
  const steps = await openSteps(context, true, { singleFlight });
  return {
    name: NAME,
    read: (key, opId = -1) => steps.readThrough(key, opId),
    async write(key, payload, opId = -1) {
      const version = await steps.between('db-write', key, opId, () => steps.dbWrite(key, payload, opId));
      await steps.between('cache-delete', key, opId, () => steps.cacheDelete(key, opId));
      return { version };
    },
    describe: () => describeStrategy(NAME, CACHE_ASIDE_SUMMARY, context, { singleFlight }),
    stats: () => steps.stats(),
    close: () => steps.close(),
  };
}
