import { Redis } from 'ioredis';
import type { Pool } from 'mysql2/promise';
import mysql from 'mysql2/promise';
import type { HostPort } from '../services/types.ts';
import { ConfigurationError } from '../services/types.ts';
import type { StrategyContext, StrategyStats } from './types.ts';

/** Longest pause between two Redis reconnect attempts: a restarted Redis is found again quickly. */
const REDIS_MAX_RECONNECT_DELAY_MS = 200;

/** Mutable counters behind `stats()`; strategies bump them next to each command they send. */
export class StatsCounter implements StrategyStats {
  dbQueries = 0;
  redisCommands = 0;

  /** A copy, so the caller can keep it while the counters move on. */
  snapshot(): StrategyStats {
    return { dbQueries: this.dbQueries, redisCommands: this.redisCommands };
  }
}

function redisAddress(context: StrategyContext): HostPort {
  return context.viaProxy ? context.endpoints.redis.proxied : context.endpoints.redis.direct;
}

function mysqlAddress(context: StrategyContext): HostPort {
  return context.viaProxy ? context.endpoints.mysql.proxied : context.endpoints.mysql.direct;
}

function route(context: StrategyContext): string {
  return context.viaProxy ? 'through Toxiproxy' : 'directly';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Opens ONE ioredis connection (ioredis pipelines every command over a single socket) with
 * the explicit options of `context.clients`, and waits until it is ready. While Redis is
 * down, commands fail at once (no offline queue) and the client keeps reconnecting every
 * ≤200 ms, so it recovers by itself after a restart; each command is retried at most
 * `redisMaxRetriesPerRequest` times.
 * @throws ConfigurationError when Redis cannot be reached within `redisConnectTimeoutMs`.
 */
export async function connectRedis(context: StrategyContext): Promise<Redis> {
  const options = context.clients;
  const { host, port } = redisAddress(context);
  const redis = new Redis({
    host,
    port,
    lazyConnect: true,
    connectTimeout: options.redisConnectTimeoutMs,
    ...(options.redisCommandTimeoutMs > 0 ? { commandTimeout: options.redisCommandTimeoutMs } : {}),
    maxRetriesPerRequest: options.redisMaxRetriesPerRequest,
    enableOfflineQueue: options.redisEnableOfflineQueue,
    enableAutoPipelining: options.redisAutoPipelining,
    retryStrategy: (attempt: number) => Math.min(attempt * 20, REDIS_MAX_RECONNECT_DELAY_MS),
  });
  // Connection errors also reject the commands in flight, where strategies see them;
  // without a listener ioredis would print every reconnect failure to stderr.
  redis.on('error', () => undefined);
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new ConfigurationError(
      `cannot reach Redis at ${host}:${port} (${route(context)}): ${messageOf(error)}`,
    );
  }
  return redis;
}

/**
 * Creates a mysql2 pool of at most `mysqlPoolSize` connections (opened on demand and kept;
 * a Toxiproxy toxic added later also reaches the connections already open, with `toxicity`
 * drawn once per connection — see chaos/README.md), and checks with `SELECT 1` that MySQL answers.
 * @throws ConfigurationError when MySQL cannot be reached.
 */
export async function connectMysql(context: StrategyContext): Promise<Pool> {
  const options = context.clients;
  const { host, port } = mysqlAddress(context);
  const { user, password, database } = context.endpoints.mysql;
  const pool = mysql.createPool({
    host,
    port,
    user,
    password,
    database,
    connectionLimit: options.mysqlPoolSize,
    connectTimeout: options.mysqlConnectTimeoutMs,
    waitForConnections: true,
    queueLimit: 0,
  });
  try {
    await pool.query({ sql: 'SELECT 1', timeout: options.mysqlConnectTimeoutMs });
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new ConfigurationError(
      `cannot reach MySQL at ${host}:${port} (${route(context)}) as ${user}/${database}: ${messageOf(error)}`,
    );
  }
  return pool;
}

/** Closes a Redis connection politely, or drops it when Redis does not answer. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready') {
    await redis.quit().catch(() => redis.disconnect());
  } else {
    redis.disconnect();
  }
}
