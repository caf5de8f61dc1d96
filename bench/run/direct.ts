import { Redis } from 'ioredis';
import type { Pool } from 'mysql2/promise';
import mysql from 'mysql2/promise';
import type { ServiceEndpoints } from '../../services/types.ts';
import { checkPoolOrExplain, connectOrExplain } from '../../strategies/clients.ts';

/** Harness-side connections that bypass Toxiproxy: loading, the final snapshot, probes. */
export interface DirectConnections {
  redis: Redis;
  pool: Pool;
  close(): Promise<void>;
}

/** Opens one Redis connection and a small MySQL pool straight to the servers. */
export async function openDirect(endpoints: ServiceEndpoints): Promise<DirectConnections> {
  const { host: redisHost, port: redisPort } = endpoints.redis.direct;
  const redis = new Redis({
    host: redisHost,
    port: redisPort,
    db: endpoints.redis.db,
    lazyConnect: true,
    connectTimeout: 5000,
    maxRetriesPerRequest: 2,
    commandTimeout: 30_000,
  });
  await connectOrExplain(redis, `Redis directly at ${redisHost}:${redisPort}`);
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
  try {
    await checkPoolOrExplain(pool, `MySQL directly at ${host}:${port}`, 5000);
  } catch (error) {
    redis.disconnect();
    throw error;
  }
  return {
    redis,
    pool,
    async close() {
      await redis.quit().catch(() => redis.disconnect());
      await pool.end().catch(() => undefined);
    },
  };
}
