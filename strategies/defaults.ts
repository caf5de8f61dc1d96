import type { ServiceEndpoints } from '../services/types.ts';
import { InvalidationRetryQueue } from './invalidation-retry.ts';
import type { ClientOptions, StrategyContext } from './types.ts';

/**
 * Client settings chosen for a benchmark: every command and query fails within about a
 * second instead of hanging or retrying forever, so a fault shows up as errors and latency
 * in the result rather than as a stalled run.
 */
export const DEFAULT_CLIENT_OPTIONS: Readonly<ClientOptions> = Object.freeze({
  redisCommandTimeoutMs: 1000,
  redisMaxRetriesPerRequest: 1,
  redisEnableOfflineQueue: false,
  redisAutoPipelining: true,
  redisConnectTimeoutMs: 1000,
  mysqlPoolSize: 16,
  mysqlConnectTimeoutMs: 2000,
  mysqlQueryTimeoutMs: 2000,
});

/** Write-behind flusher defaults: a short interval keeps the window of unflushed writes small. */
export const DEFAULT_FLUSH_INTERVAL_MS = 50;
export const DEFAULT_FLUSH_BATCH_SIZE = 200;

/** What {@link defaultStrategyContext} lets a caller change; `clients` is merged field by field. */
export type StrategyContextOverrides = Partial<Omit<StrategyContext, 'endpoints' | 'clients'>> & {
  clients?: Partial<ClientOptions>;
};

/** Monotonic nanoseconds (process.hrtime), as a number. */
export function monotonicNowNs(): number {
  return Number(process.hrtime.bigint());
}

/**
 * A complete {@link StrategyContext} for `endpoints`: through the Toxiproxy proxies, default
 * client options, no TTL, no tracer, no pause hook, unless `overrides` says otherwise.
 */
export function defaultStrategyContext(
  endpoints: ServiceEndpoints,
  overrides: StrategyContextOverrides = {},
): StrategyContext {
  const { clients, ...rest } = overrides;
  const retrier =
    overrides.errorPolicy?.onInvalidationError === 'retry' && overrides.invalidationRetrier === undefined
      ? { invalidationRetrier: new InvalidationRetryQueue() }
      : {};
  return {
    endpoints,
    viaProxy: true,
    ttlSeconds: 0,
    flushIntervalMs: DEFAULT_FLUSH_INTERVAL_MS,
    flushBatchSize: DEFAULT_FLUSH_BATCH_SIZE,
    tracer: undefined,
    pause: undefined,
    strategyOptions: {},
    now: monotonicNowNs,
    ...rest,
    ...retrier,
    clients: { ...DEFAULT_CLIENT_OPTIONS, ...clients },
  };
}
