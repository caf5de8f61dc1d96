import type { Pool } from 'mysql2/promise';
import { ConfigurationError } from '../../kernel/index.ts';
import type { Environment, ProcessControl } from '../../services/types.ts';
import { cacheKey } from '../../strategies/cache-codec.ts';
import { closeRedis, connectMysql, connectRedis } from '../../strategies/clients.ts';
import { readDbVersions } from '../../strategies/db-access.ts';
import { defaultStrategyContext } from '../../strategies/defaults.ts';
import type { RedisClient } from '../../strategies/redis-client.ts';
import { cacheViewOf, findStrategy, unknownStrategyMessage } from '../../strategies/registry.ts';
import type { CacheStrategy, DeferredSteps } from '../../strategies/types.ts';
import type { ExploreWorld, StrategyWiring } from './execution.ts';

/** First key the explorer uses; every schedule takes the next one. */
const FIRST_KEY = 10_000;
/** How long a direct read may wait for a restarted Redis. */
const DIRECT_RETRY_MS = 10_000;

/**
 * Client settings for exploring: straight to the servers (no Toxiproxy: the only faults are
 * process events), generous timeouts so a busy machine does not turn a step into an error,
 * no auto-pipelining (one command at a time anyway), and the write-behind timer out of the
 * way (the explorer flushes with `drain()` as a step of its own). Leases and locks last
 * a minute and their waits too, so no deadline passes inside a schedule (the explorer, not
 * the clock, orders the steps: a wait that times out is not explored); their polls sleep 1 ms.
 */
const EXPLORE_OVERRIDES = {
  viaProxy: false,
  flushIntervalMs: 3_600_000,
  strategyOptions: {
    leaseTtlMs: 60_000,
    leaseWaitMs: 60_000,
    leaseRetryMs: 1,
    lockExpireMs: 60_000,
    lockSleepMs: 1,
  },
  clients: { redisCommandTimeoutMs: 5000, mysqlQueryTimeoutMs: 5000, redisAutoPipelining: false },
};

/** The local services as an {@link ExploreWorld}, with direct connections for seeding and the final snapshot. */
export class LocalWorld implements ExploreWorld {
  private nextKey = FIRST_KEY;

  private constructor(
    private readonly env: Environment,
    private readonly processes: ProcessControl,
    private readonly redis: RedisClient,
    private readonly pool: Pool,
  ) {}

  /** Opens the direct connections; the environment must own its processes (a Redis restart is a step). */
  static async open(env: Environment): Promise<LocalWorld> {
    if (env.processes === undefined) {
      throw new ConfigurationError(
        'explore restarts Redis: it needs an environment that owns its processes (local)',
      );
    }
    const direct = defaultStrategyContext(env.endpoints, EXPLORE_OVERRIDES);
    const redis = await connectRedis(direct);
    const pool = await connectMysql(direct).catch(async (error: unknown) => {
      await closeRedis(redis);
      throw error;
    });
    return new LocalWorld(env, env.processes, redis, pool);
  }

  async createStrategy(
    name: string,
    wiring: StrategyWiring,
    options: Readonly<Record<string, string | number | boolean>> = {},
  ): Promise<CacheStrategy> {
    const entry = findStrategy(name);
    if (entry === undefined) throw new ConfigurationError(unknownStrategyMessage(name));
    return entry.factory(
      defaultStrategyContext(this.env.endpoints, {
        ...EXPLORE_OVERRIDES,
        ...wiring,
        strategyOptions: { ...EXPLORE_OVERRIDES.strategyOptions, ...options },
      }),
    );
  }

  dropCacheEntry(key: number): Promise<void> {
    return this.retry(async () => {
      await this.redis.del(cacheKey(key));
    });
  }

  /** The cache is read through the strategy's cache view under the options it runs with. */
  snapshot(key: number, strategy: CacheStrategy): Promise<{ cacheVersion: number; dbVersion: number }> {
    const inForce = Object.entries(strategy.describe().options).filter(
      (entry): entry is [string, string | number | boolean] => entry[1] !== null,
    );
    const view = cacheViewOf(findStrategy(strategy.name), Object.fromEntries(inForce));
    return this.retry(async () => {
      const [cacheVersion = 0] = await view(this.redis, [key]);
      const [dbVersion = 0] = await readDbVersions(this.pool, [key]);
      return { cacheVersion, dbVersion };
    });
  }

  async restartRedis(): Promise<void> {
    await this.processes.crashRedis();
    await this.processes.restartRedis();
  }

  freshKey(): number {
    return this.nextKey++;
  }

  deferredStepsOf(name: string, options: Readonly<Record<string, string | number | boolean>>): DeferredSteps {
    return findStrategy(name)?.deferredSteps?.(options) ?? {};
  }

  async close(): Promise<void> {
    await closeRedis(this.redis);
    await this.pool.end();
  }

  /** The direct Redis client reconnects by itself after a restart; until it has, commands fail at once. */
  private async retry<T>(body: () => Promise<T>): Promise<T> {
    const deadline = performance.now() + DIRECT_RETRY_MS;
    for (;;) {
      try {
        return await body();
      } catch (error) {
        if (performance.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  }
}
