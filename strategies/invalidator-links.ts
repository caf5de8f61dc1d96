import type { StrategyContext, StrategyStats } from './types.ts';

/** MySQL connections the invalidator's own pool holds (binlog position queries only). */
const INVALIDATOR_POOL_SIZE = 2;

/**
 * The context the CDC invalidator connects with: the application's, but with its own route.
 * Through Toxiproxy, its binlog stream and MySQL queries go through `endpoints.invalidator.mysql`
 * and its Redis connection through `endpoints.invalidator.redis` (the local environment's
 * `invalidator-mysql` and `invalidator-redis` proxies), so the invalidator faults reach it and
 * not the application; an environment without those proxies keeps the application's route.
 * The invalidator retries its own failed steps in binlog order, so it runs without the error
 * policy (no retry queue of the application's: that would reorder its invalidations); pause
 * hook, tracer and clock are the application's.
 */
export function invalidatorContext(context: StrategyContext): StrategyContext {
  const own = context.endpoints.invalidator;
  const { errorPolicy: _policy, invalidationRetrier: _retrier, readFrom: _readFrom, ...rest } = context;
  const endpoints =
    own === undefined
      ? context.endpoints
      : {
          ...context.endpoints,
          redis: { ...context.endpoints.redis, ...(own.redis === undefined ? {} : { proxied: own.redis }) },
          mysql: { ...context.endpoints.mysql, proxied: own.mysql },
        };
  return { ...rest, endpoints, clients: { ...context.clients, mysqlPoolSize: INVALIDATOR_POOL_SIZE } };
}

/** The application's and the invalidator's work, added up (their counters have distinct names). */
export function sumStats(a: StrategyStats, b: StrategyStats): StrategyStats {
  const counters: Record<string, number> = { ...a.counters };
  for (const [name, value] of Object.entries(b.counters ?? {}))
    counters[name] = (counters[name] ?? 0) + value;
  const sum = { dbQueries: a.dbQueries + b.dbQueries, redisCommands: a.redisCommands + b.redisCommands };
  return Object.keys(counters).length === 0 ? sum : { ...sum, counters };
}
