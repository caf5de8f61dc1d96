import { Cluster, Redis } from 'ioredis';
import type { Pool } from 'mysql2/promise';
import mysql from 'mysql2/promise';
import type { ServiceEndpoints } from '../../services/types.ts';
import { checkPoolOrExplain, clusterOptions, connectOrExplain } from '../../strategies/clients.ts';
import type { RedisClient } from '../../strategies/redis-client.ts';

/** Harness-side connections that bypass Toxiproxy: loading, the final snapshot, probes. */
export interface DirectConnections {
  /** One server, or (`cluster` topology) a Cluster client that reaches every node directly. */
  redis: RedisClient;
  /** The MySQL primary: loading, the final snapshot, probes. */
  pool: Pool;
  /** The MySQL replica, when the topology has one: the replication-lag sampler reads it. */
  replica?: Pool;
  close(): Promise<void>;
}

/**
 * Opens one Redis connection (a cluster: a Cluster client whose NAT map sends it to each node
 * directly, auto-pipelining, so a snapshot's reads go out per node) and a small MySQL pool
 * straight to the servers.
 */
export async function openDirect(endpoints: ServiceEndpoints): Promise<DirectConnections> {
  const { host: redisHost, port: redisPort } = endpoints.redis.direct;
  const nodes = endpoints.redis.cluster?.nodes;
  const redisOptions = { connectTimeout: 5000, maxRetriesPerRequest: 2, commandTimeout: 30_000 };
  const redis: RedisClient =
    nodes === undefined
      ? new Redis({
          host: redisHost,
          port: redisPort,
          db: endpoints.redis.db,
          lazyConnect: true,
          ...redisOptions,
        })
      : new Cluster(
          nodes.map((node) => node.direct),
          clusterOptions(nodes, false, { lazyConnect: true, enableAutoPipelining: true, redisOptions }),
        );
  await connectOrExplain(
    redis,
    nodes === undefined ? `Redis directly at ${redisHost}:${redisPort}` : 'the Redis Cluster directly',
  );
  const { host, port } = endpoints.mysql.direct;
  const pool = mysql.createPool({
    host,
    port,
    user: endpoints.mysql.user,
    password: endpoints.mysql.password,
    database: endpoints.mysql.database,
    connectionLimit: 4,
    connectTimeout: 5000,
  });
  let replica: Pool | undefined;
  try {
    await checkPoolOrExplain(pool, `MySQL directly at ${host}:${port}`, 5000);
    const replicaAddress = endpoints.mysqlReplica?.direct;
    if (replicaAddress !== undefined) {
      replica = mysql.createPool({
        ...replicaAddress,
        user: endpoints.mysql.user,
        password: endpoints.mysql.password,
        database: endpoints.mysql.database,
        connectionLimit: 2,
        connectTimeout: 5000,
      });
      await checkPoolOrExplain(
        replica,
        `the MySQL replica directly at ${replicaAddress.host}:${replicaAddress.port}`,
        5000,
      );
    }
  } catch (error) {
    redis.disconnect();
    await pool.end().catch(() => undefined);
    throw error;
  }
  return {
    redis,
    pool,
    ...(replica === undefined ? {} : { replica }),
    async close() {
      await redis.quit().catch(() => redis.disconnect());
      await pool.end().catch(() => undefined);
      await replica?.end().catch(() => undefined);
    },
  };
}
