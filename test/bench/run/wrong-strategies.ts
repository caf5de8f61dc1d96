import { describeStrategy, openSteps } from '../../../strategies/steps.ts';
import type { CacheStrategy, StrategyContext, StrategyEntry } from '../../../strategies/types.ts';

/**
 * Deliberately wrong, kept only here: a write reads the row BEFORE its own DB write and,
 * after the write, sets the cache from that old row. The cache is left one version behind
 * MySQL after every write, so later reads hit an old version (stale reads) and the last
 * write of each key leaves its cache entry older than MySQL (divergent keys).
 */
export const setsCacheFromOldRow: StrategyEntry = {
  name: 'sets-cache-from-old-row',
  summary: 'test only: caches the value read before its own write',
  usesCache: true,
  isControl: false,
  async factory(context: StrategyContext): Promise<CacheStrategy> {
    const steps = await openSteps(context, true);
    return {
      name: 'sets-cache-from-old-row',
      read: (key, opId = -1) => steps.readThrough(key, opId),
      async write(key, payload, opId = -1) {
        const old = await steps.dbRead(key, opId);
        const version = await steps.dbWrite(key, payload, opId);
        if (old) await steps.cacheSet(key, old.version, old.payload, opId);
        return { version };
      },
      describe: () => describeStrategy('sets-cache-from-old-row', 'test only', context),
      stats: () => steps.counter.snapshot(),
      close: () => steps.close(),
    };
  },
};
