import type { ExploreWorld, StrategyWiring } from '../../../bench/explore/execution.ts';
import type { CacheStrategy, DeferredSteps, StrategyStats } from '../../../strategies/types.ts';

/**
 * A stand-in for a strategy, not for Redis or MySQL: cache-aside over two in-memory maps,
 * calling the pause hook between its "commands" exactly as the real patterns do, and counting
 * them in `stats()`. Its schedules can be counted by hand: a write is 2 steps (DB write,
 * cache delete), a read of a cached key 1 (GET), a read that misses 3 (GET, DB read, SET).
 * Two variants by name:
 * - `memory-double-delete`: a write is DEL, DB write (2 steps), and defers a second DEL
 *   (1 step of its own, through the wiring's deferred work);
 * - `memory-lock`: a read that misses takes a lock (GET+lock: 1 step) before its DB read and
 *   SET+unlock (2 steps); a reader that finds the lock taken waits at `lock-wait` and asks again.
 */
export class MemoryWorld implements ExploreWorld {
  readonly cache = new Map<number, number>();
  readonly db = new Map<number, number>();
  restarts = 0;
  private nextKey = 100;

  readonly locks = new Set<number>();
  /** The opIds of the reads that found the lock taken, one entry per wait. */
  readonly waits: number[] = [];

  async createStrategy(name: string, wiring: StrategyWiring): Promise<CacheStrategy> {
    const { cache, db, locks, waits } = this;
    const stats: StrategyStats = { dbQueries: 0, redisCommands: 0 };
    const pause = async (point: Parameters<StrategyWiring['pause']>[0], key: number, opId: number) => {
      const p = wiring.pause(point, key, opId);
      if (p) await p;
    };
    const trace = (
      step: 'cache-get-hit' | 'cache-get-miss' | 'cache-set' | 'cache-del' | 'db-read' | 'db-write',
      key: number,
      version: number,
      opId: number,
    ) => {
      if (wiring.tracer.wants(key)) wiring.tracer.record({ step, key, version, at: wiring.now(), opId });
    };
    // The "commands": each counted and traced as the real steps are.
    const get = (key: number, opId: number): number | undefined => {
      stats.redisCommands++;
      const hit = cache.get(key);
      trace(hit === undefined ? 'cache-get-miss' : 'cache-get-hit', key, hit ?? -1, opId);
      return hit;
    };
    const dbRead = (key: number, opId: number): number | undefined => {
      stats.dbQueries++;
      const version = db.get(key);
      trace('db-read', key, version ?? -1, opId);
      return version;
    };
    const set = (key: number, version: number, opId: number): void => {
      stats.redisCommands++;
      cache.set(key, version);
      trace('cache-set', key, version, opId);
    };
    const dbWrite = (key: number, opId: number): number => {
      stats.dbQueries++;
      const version = (db.get(key) ?? 0) + 1;
      db.set(key, version);
      trace('db-write', key, version, opId);
      return version;
    };
    const del = (key: number, opId: number): void => {
      stats.redisCommands++;
      cache.delete(key);
      trace('cache-del', key, -1, opId);
    };
    const cached = (version: number) =>
      ({ found: true, version, payload: new Uint8Array(), source: 'cache' }) as const;
    const filled = (version: number) =>
      ({ found: true, version, payload: new Uint8Array(), source: 'db' }) as const;
    return {
      name: 'memory-cache-aside',
      async read(key, opId = -1) {
        if (name === 'memory-lock') {
          for (;;) {
            const hit = get(key, opId);
            if (hit !== undefined) return cached(hit);
            if (!locks.has(key)) break;
            waits.push(opId);
            await pause('lock-wait', key, opId);
          }
          locks.add(key);
          await pause('after-cache-miss', key, opId);
          const version = dbRead(key, opId) ?? 0;
          await pause('after-db-read', key, opId);
          locks.delete(key);
          set(key, version, opId);
          return filled(version);
        }
        const hit = get(key, opId);
        if (hit !== undefined) return cached(hit);
        await pause('after-cache-miss', key, opId);
        const version = dbRead(key, opId);
        await pause('after-db-read', key, opId);
        if (version === undefined) return { found: false, source: 'db' };
        await pause('before-cache-set', key, opId);
        set(key, version, opId);
        return filled(version);
      },
      async write(key, _payload, opId = -1) {
        if (name === 'memory-double-delete') {
          await pause('before-cache-delete', key, opId);
          del(key, opId);
          await pause('after-cache-delete', key, opId);
          const version = dbWrite(key, opId);
          await pause('after-db-write', key, opId);
          void wiring.deferredWork.after(500, async () => {
            await pause('before-second-delete', key, opId);
            del(key, opId);
          });
          return { version };
        }
        await pause('before-db-write', key, opId);
        const version = dbWrite(key, opId);
        await pause('after-db-write', key, opId);
        await pause('before-cache-delete', key, opId);
        del(key, opId);
        await pause('after-cache-delete', key, opId);
        return { version };
      },
      describe: () => ({ name: 'memory-cache-aside', summary: 'in memory', options: {} }),
      stats: () => ({ ...stats }),
      close: async () => undefined,
    };
  }

  async dropCacheEntry(key: number): Promise<void> {
    this.cache.delete(key);
  }

  async snapshot(key: number): Promise<{ cacheVersion: number; dbVersion: number }> {
    return { cacheVersion: this.cache.get(key) ?? 0, dbVersion: this.db.get(key) ?? 0 };
  }

  async restartRedis(): Promise<void> {
    this.restarts++;
    this.cache.clear();
    this.locks.clear();
  }

  freshKey(): number {
    return this.nextKey++;
  }

  deferredStepsOf(name: string): DeferredSteps {
    return name === 'memory-double-delete' ? { write: 'second delete' } : {};
  }
}
