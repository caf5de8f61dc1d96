import { Cluster, type ClusterOptions, Redis } from 'ioredis';
import type { Pool } from 'mysql2/promise';
import mysql from 'mysql2/promise';
import { ConfigurationError, messageOf } from '../kernel/index.ts';
import type { HostPort, RedisClusterNode } from '../services/types.ts';
import type { RedisClient } from './redis-client.ts';
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

function replicaAddress(context: StrategyContext): HostPort {
  const replica = context.endpoints.mysqlReplica;
  if (replica === undefined) {
    throw new ConfigurationError(
      '--read-from replica: the environment has no MySQL replica (--db-topology primary-replica)',
    );
  }
  return context.viaProxy ? replica.proxied : replica.direct;
}

function route(context: StrategyContext): string {
  return context.viaProxy ? 'through Toxiproxy' : 'directly';
}

/**
 * Opens ONE ioredis connection (ioredis pipelines every command over a single socket) with
 * the explicit options of `context.clients`, and waits until it is ready. While Redis is
 * down, commands fail at once (no offline queue) and the client keeps reconnecting every
 * ≤200 ms, so it recovers by itself after a restart; each command is retried at most
 * `redisMaxRetriesPerRequest` times.
 * @throws ConfigurationError when Redis cannot be reached within `redisConnectTimeoutMs`.
 */
export async function connectRedis(context: StrategyContext): Promise<RedisClient> {
  const cluster = context.endpoints.redis.cluster;
  if (cluster !== undefined) return connectRedisCluster(context, cluster.nodes);
  const options = context.clients;
  const { host, port } = redisAddress(context);
  const redis = new Redis({
    host,
    port,
    db: context.endpoints.redis.db,
    lazyConnect: true,
    connectTimeout: options.redisConnectTimeoutMs,
    ...(options.redisCommandTimeoutMs > 0 ? { commandTimeout: options.redisCommandTimeoutMs } : {}),
    maxRetriesPerRequest: options.redisMaxRetriesPerRequest,
    enableOfflineQueue: options.redisEnableOfflineQueue,
    enableAutoPipelining: options.redisAutoPipelining,
    retryStrategy: (attempt: number) => Math.min(attempt * 20, REDIS_MAX_RECONNECT_DELAY_MS),
  });
  return connectOrExplain(
    redis,
    `Redis at ${host}:${port} db ${context.endpoints.redis.db} (${route(context)})`,
  );
}

/**
 * The `cluster` topology: ioredis' Cluster client with the same client options on each node's
 * connection. Through Toxiproxy it starts from the proxies and follows the addresses the
 * nodes announce (the proxies again), so every redirected command crosses a proxy too;
 * `--direct` maps those announced addresses back to the nodes (`natMap`). On CLUSTERDOWN or a
 * node that went away it refreshes the slot map and retries after 100 ms, at most
 * {@link CLUSTER_MAX_REDIRECTIONS} times: a command caught by a failover fails after that, and
 * the driver records the error.
 */
async function connectRedisCluster(
  context: StrategyContext,
  nodes: readonly RedisClusterNode[],
): Promise<RedisClient> {
  const options = context.clients;
  const cluster = new Cluster(
    nodes.map((node) => (context.viaProxy ? node.proxied : node.direct)),
    clusterOptions(nodes, context.viaProxy, {
      lazyConnect: true,
      enableOfflineQueue: options.redisEnableOfflineQueue,
      enableAutoPipelining: options.redisAutoPipelining,
      redisOptions: {
        connectTimeout: options.redisConnectTimeoutMs,
        ...(options.redisCommandTimeoutMs > 0 ? { commandTimeout: options.redisCommandTimeoutMs } : {}),
        maxRetriesPerRequest: options.redisMaxRetriesPerRequest,
      },
    }),
  );
  return connectOrExplain(
    cluster,
    `the Redis Cluster at ${nodes.map((node) => `${(context.viaProxy ? node.proxied : node.direct).port}`).join(',')} (${route(context)})`,
  );
}

/** How often a cluster command is redirected or retried (CLUSTERDOWN, TRYAGAIN, a lost node) before it fails. */
export const CLUSTER_MAX_REDIRECTIONS = 16;

/**
 * Cluster client options shared by the strategies' and the harness' clients: the retry policy,
 * and for a client that bypasses Toxiproxy (`viaProxy` false) the NAT map from each node's
 * announced (proxied) address to its own.
 */
export function clusterOptions(
  nodes: readonly RedisClusterNode[],
  viaProxy: boolean,
  options: ClusterOptions,
): ClusterOptions {
  return {
    maxRedirections: CLUSTER_MAX_REDIRECTIONS,
    retryDelayOnClusterDown: 100,
    retryDelayOnFailover: 100,
    retryDelayOnTryAgain: 100,
    slotsRefreshTimeout: 2000,
    clusterRetryStrategy: (attempt: number) => Math.min(attempt * 20, REDIS_MAX_RECONNECT_DELAY_MS),
    ...(viaProxy
      ? {}
      : {
          natMap: Object.fromEntries(
            nodes.map((node) => [`${node.proxied.host}:${node.proxied.port}`, node.direct]),
          ),
        }),
    ...options,
  };
}

/**
 * Connects a lazily created ioredis client, or throws a ConfigurationError saying that
 * `what` cannot be reached. Errors are observed here so ioredis does not print every
 * reconnect failure; commands in flight still reject where their callers see them.
 */
export async function connectOrExplain<T extends RedisClient>(redis: T, what: string): Promise<T> {
  redis.on('error', () => undefined);
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new ConfigurationError(`cannot reach ${what}: ${messageOf(error)}`);
  }
  return redis;
}

/** Checks with `SELECT 1` that a pool reaches MySQL, or ends it and throws a ConfigurationError naming `what`. */
export async function checkPoolOrExplain(pool: Pool, what: string, timeoutMs: number): Promise<Pool> {
  try {
    await pool.query({ sql: 'SELECT 1', timeout: timeoutMs });
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new ConfigurationError(`cannot reach ${what}: ${messageOf(error)}`);
  }
  return pool;
}

/**
 * Creates a mysql2 pool of at most `mysqlPoolSize` connections (opened on demand and kept;
 * a Toxiproxy toxic added later also reaches the connections already open, with `toxicity`
 * drawn once per connection — see chaos/README.md), and checks with `SELECT 1` that MySQL answers.
 * @throws ConfigurationError when MySQL cannot be reached.
 */
export async function connectMysql(context: StrategyContext): Promise<Pool> {
  return connectMysqlAt(context, mysqlAddress(context), 'MySQL');
}

/**
 * The pool a strategy's reads use: the replica's under `readFrom: 'replica'` (same settings,
 * same route as the primary's pool), else undefined (reads share the primary's pool).
 * @throws ConfigurationError when the replica is asked for but absent or unreachable.
 */
export async function connectMysqlReader(context: StrategyContext): Promise<Pool | undefined> {
  if ((context.readFrom ?? 'primary') === 'primary') return undefined;
  return connectMysqlAt(context, replicaAddress(context), 'the MySQL replica');
}

async function connectMysqlAt(context: StrategyContext, address: HostPort, what: string): Promise<Pool> {
  const options = context.clients;
  const { host, port } = address;
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
  return checkPoolOrExplain(
    pool,
    `${what} at ${host}:${port} (${route(context)}) as ${user}/${database}`,
    options.mysqlConnectTimeoutMs,
  );
}

/** Closes a Redis connection politely, or drops it when Redis does not answer. */
export async function closeRedis(redis: RedisClient): Promise<void> {
  if (redis.status === 'ready') {
    await redis.quit().catch(() => redis.disconnect());
  } else {
    redis.disconnect();
  }
}
