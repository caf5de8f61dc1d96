import { timerDeferredWork } from '../deferred-work.ts';
import { describeStrategy, openSteps } from '../steps.ts';
import { numberOption, numberSpec } from '../strategy-options.ts';
import type { CacheStrategy, StrategyContext } from '../types.ts';

const NAME = 'delayed-double-delete';
/** One line for `--list`. */
export const DELAYED_DOUBLE_DELETE_SUMMARY =
  'delete the cache entry, update MySQL, delete again after a delay (in-process timer); reads fill on a miss';

/** Default delay before the second delete: longer than a typical fill, short enough to bound staleness. */
export const DEFAULT_SECOND_DELETE_DELAY_MS = 500;

/** The options it reads (`--strategy-option`), checked before a run starts. */
export const DELAYED_DOUBLE_DELETE_OPTIONS = [numberSpec('delayMs')];

/**
 * Delayed double delete: a write DELs `item:{id}`, updates MySQL, and schedules a second DEL
 * `delayMs` later, which removes a stale value a concurrent read filled in between. The
 * write is acknowledged before the second delete: it is a timer in THIS process, so it dies
 * with the process (a crash or restart in the delay leaves whatever a racing read filled).
 * Known gap: a fill slower than the delay (it read the old row before the update and sets
 * it after the second delete) stays stale — pause point `before-second-delete` shows it.
 * Option `delayMs` (default 500). `drain()` waits for the scheduled deletes; `close()` drops them.
 * The timer is `context.deferredWork` when given (the explorer steps the second delete itself).
 * Counters: `secondDeletes`, `secondDeleteFailures`.
 */
export async function createDelayedDoubleDelete(context: StrategyContext): Promise<CacheStrategy> {
  const delayMs = numberOption(context, 'delayMs', DEFAULT_SECOND_DELETE_DELAY_MS);
  const steps = await openSteps(context, true);
  const deferred = context.deferredWork ?? timerDeferredWork();
  const scheduled = new Set<Promise<void>>();

  async function secondDelete(key: number, opId: number): Promise<void> {
    const p = steps.pause('before-second-delete', key, opId);
    if (p) await p;
    try {
      await steps.cacheDelete(key, opId);
      steps.bump('secondDeletes');
    } catch {
      // Nobody waits for it any more: the write was acknowledged. Counted, not thrown.
      steps.bump('secondDeleteFailures');
    }
  }

  function scheduleSecondDelete(key: number, opId: number): void {
    const done = deferred.after(delayMs, () => secondDelete(key, opId)).catch(() => undefined);
    scheduled.add(done);
    done.finally(() => scheduled.delete(done));
  }

  return {
    name: NAME,
    read: (key, opId = -1) => steps.readThrough(key, opId),
    async write(key, payload, opId = -1) {
      await steps.between('cache-delete', key, opId, () => steps.cacheDelete(key, opId));
      const version = await steps.between('db-write', key, opId, () => steps.dbWrite(key, payload, opId));
      scheduleSecondDelete(key, opId);
      return { version };
    },
    async drain() {
      while (scheduled.size > 0) await Promise.all([...scheduled]);
    },
    describe: () => describeStrategy(NAME, DELAYED_DOUBLE_DELETE_SUMMARY, context, { delayMs }),
    stats: () => steps.stats(),
    async close() {
      deferred.dropPending();
      await steps.close();
    },
  };
}
