import { describeStrategy, openSteps } from '../steps.ts';
import { booleanOption, booleanSpec } from '../strategy-options.ts';
import type { CacheStrategy, StrategyContext } from '../types.ts';

const NAME = 'write-through';
/** One line for `--list`. */
export const WRITE_THROUGH_SUMMARY =
  'read/write-through cache layer: loads MySQL on a miss; a write updates MySQL, then sets the cache';

/** The options it reads (`--strategy-option`), checked before a run starts. */
export const WRITE_THROUGH_OPTIONS = [booleanSpec('singleFlight')];

/**
 * Read-through / write-through: the application talks only to this cache layer. A miss
 * loads the row from MySQL and stores it; a write updates MySQL, then SETs the entry with
 * the new version, synchronously, in the article's order (database, then cache). Race: two
 * concurrent writes reach MySQL in one order and the cache in the other, and the cache
 * keeps the older version.
 * Option `singleFlight` (default false): one fill per key per process at a time.
 * Connections: one Redis connection, up to `mysqlPoolSize` MySQL connections.
 */
export async function createWriteThrough(context: StrategyContext): Promise<CacheStrategy> {
  const singleFlight = booleanOption(context, 'singleFlight', false);
  const steps = await openSteps(context, true, { singleFlight });
  return {
    name: NAME,
    read: (key, opId = -1) => steps.readThrough(key, opId),
    async write(key, payload, opId = -1) {
      const version = await steps.between('db-write', key, opId, () => steps.dbWrite(key, payload, opId));
      const p = steps.pause('before-cache-set', key, opId);
      if (p) await p;
      await steps.cacheSet(key, version, payload, opId);
      return { version };
    },
    describe: () => describeStrategy(NAME, WRITE_THROUGH_SUMMARY, context, { singleFlight }),
    stats: () => steps.stats(),
    close: () => steps.close(),
  };
}
