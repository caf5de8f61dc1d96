import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import { Toxiproxy } from 'toxiproxy-node-client';
import { ConfigurationError, messageOf } from '../kernel/index.ts';
import { redisPing } from './processes.ts';
import {
  BENCHMARK_DB_WORDS,
  HARNESS_REDIS_KEY,
  ITEMS_COLUMNS,
  ITEMS_TABLE_DDL,
  isBenchmarkDatabaseName,
} from './schema.ts';
import { SINGLE_TOPOLOGY } from './topology.ts';
import { removeHarnessLeftovers } from './toxiproxy-leftovers.ts';
import type { Environment, HostPort, ServiceEndpoints } from './types.ts';

/** Defaults match docker-compose.yml, so `docker compose up -d --wait` needs no flags. */
export const EXTERNAL_DEFAULTS = {
  redisUrl: 'redis://127.0.0.1:6379',
  mysqlUrl: 'mysql://cacheproof:cacheproof@127.0.0.1:3306/cacheproof_bench',
  toxiproxyUrl: 'http://127.0.0.1:8474',
  redisProxy: 'cacheproof-redis',
  mysqlProxy: 'cacheproof-mysql',
} as const;

/** Where the user's services are; each field falls back to its CACHEPROOF_* variable, then the default. */
export interface ExternalEnvironmentOptions {
  redisUrl?: string;
  mysqlUrl?: string;
  toxiproxyUrl?: string;
  /**
   * Allow a MySQL database whose name does not say it is for benchmarks, and a Redis database
   * that holds keys other than the harness's own (runs truncate `items` and FLUSHDB).
   */
  allowExistingDb?: boolean;
  /** Where a warning goes (what was cleaned up at start); stderr by default. */
  warn?: (message: string) => void;
}

export interface ExternalSettings {
  /** `db`: the database index of CACHEPROOF_REDIS_URL's path (`redis://host:6379/3`), 0 without one. */
  redis: HostPort & { db: number };
  mysql: HostPort & { user: string; password: string; database: string };
  toxiproxyUrl: string;
}

function parseUrl(option: string, value: string, protocols: string[], example: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(`${option}: '${value}' is not a URL; expected e.g. ${example}`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigurationError(`${option}: '${value}' must start with ${protocols.join(' or ')}//`);
  }
  return url;
}

/** Resolves and validates the external settings without touching the network. */
export function resolveExternalSettings(options: ExternalEnvironmentOptions = {}): ExternalSettings {
  const redisUrl = parseUrl(
    'CACHEPROOF_REDIS_URL',
    options.redisUrl ?? process.env.CACHEPROOF_REDIS_URL ?? EXTERNAL_DEFAULTS.redisUrl,
    ['redis:'],
    EXTERNAL_DEFAULTS.redisUrl,
  );
  const mysqlUrl = parseUrl(
    'CACHEPROOF_MYSQL_URL',
    options.mysqlUrl ?? process.env.CACHEPROOF_MYSQL_URL ?? EXTERNAL_DEFAULTS.mysqlUrl,
    ['mysql:'],
    EXTERNAL_DEFAULTS.mysqlUrl,
  );
  const toxiproxyUrl = parseUrl(
    'CACHEPROOF_TOXIPROXY_URL',
    options.toxiproxyUrl ?? process.env.CACHEPROOF_TOXIPROXY_URL ?? EXTERNAL_DEFAULTS.toxiproxyUrl,
    ['http:', 'https:'],
    EXTERNAL_DEFAULTS.toxiproxyUrl,
  );
  const database = decodeURIComponent(mysqlUrl.pathname.replace(/^\//, ''));
  if (database === '') {
    throw new ConfigurationError(
      `CACHEPROOF_MYSQL_URL: no database name; expected e.g. ${EXTERNAL_DEFAULTS.mysqlUrl}`,
    );
  }
  if (!isBenchmarkDatabaseName(database) && options.allowExistingDb !== true) {
    throw new ConfigurationError(
      `CACHEPROOF_MYSQL_URL: database '${database}' does not look like a benchmark database (runs truncate its items table); use a name with one of the words ${BENCHMARK_DB_WORDS.join(', ')} (split on _ - . and case, e.g. cacheproof_bench), or pass --allow-existing-db`,
    );
  }
  const dbPath = redisUrl.pathname.replace(/^\//, '');
  const redisDb = dbPath === '' ? 0 : /^\d{1,5}$/.test(dbPath) ? Number(dbPath) : Number.NaN;
  if (!Number.isInteger(redisDb)) {
    throw new ConfigurationError(
      `CACHEPROOF_REDIS_URL: '${redisUrl.pathname}' is not a database index; expected e.g. redis://127.0.0.1:6379/0`,
    );
  }
  return {
    redis: { host: redisUrl.hostname, port: Number(redisUrl.port || 6379), db: redisDb },
    mysql: {
      host: mysqlUrl.hostname,
      port: Number(mysqlUrl.port || 3306),
      user: decodeURIComponent(mysqlUrl.username || 'root'),
      password: decodeURIComponent(mysqlUrl.password),
      database,
    },
    toxiproxyUrl: toxiproxyUrl.origin,
  };
}

function listenPort(listen: string): number {
  const port = Number(listen.slice(listen.lastIndexOf(':') + 1));
  if (!Number.isInteger(port) || port <= 0)
    throw new Error(`cannot read a port from listen address '${listen}'`);
  return port;
}

/**
 * Connects to services the user runs (e.g. the docker-compose stack). The Toxiproxy proxies
 * `cacheproof-redis` and `cacheproof-mysql` must exist (docker-compose.yml creates them);
 * the proxied addresses are the Toxiproxy host with each proxy's listen port. Unreachable
 * services are a {@link ConfigurationError}.
 */
export async function startExternalEnvironment(
  options: ExternalEnvironmentOptions = {},
): Promise<Environment> {
  const settings = resolveExternalSettings(options);
  const { redis, mysql: db, toxiproxyUrl } = settings;
  if (!(await redisPing(redis.host, redis.port, 2000))) {
    throw new ConfigurationError(
      `CACHEPROOF_REDIS_URL: no Redis answers PING at ${redis.host}:${redis.port}; start it (docker compose up -d --wait) or set the URL`,
    );
  }
  let version: string;
  const connection = await mysql
    .createConnection({ ...db, connectTimeout: 3000, multipleStatements: false })
    .catch((error: unknown) => {
      throw new ConfigurationError(
        `CACHEPROOF_MYSQL_URL: cannot connect to MySQL at ${db.host}:${db.port} as ${db.user}/${db.database}: ${(error as Error).message}`,
      );
    });
  try {
    const [rows] = await connection.query('SELECT VERSION() AS version');
    version = String((rows as Array<{ version: string }>)[0]?.version ?? 'unknown');
    await connection.query(ITEMS_TABLE_DDL);
    await checkItemsTable(connection, db.database);
  } finally {
    await connection.end().catch(() => undefined);
  }
  await checkRedisDatabase(redis, options.allowExistingDb === true);
  const toxiproxy = new Toxiproxy(toxiproxyUrl);
  let toxiproxyVersion: string;
  let proxies: Awaited<ReturnType<Toxiproxy['getAll']>>;
  try {
    toxiproxyVersion = await toxiproxy.getVersion();
    proxies = await toxiproxy.getAll();
  } catch (error: unknown) {
    throw new ConfigurationError(
      `CACHEPROOF_TOXIPROXY_URL: no Toxiproxy API at ${toxiproxyUrl}: ${(error as Error).message}`,
    );
  }
  const redisProxy = proxies[EXTERNAL_DEFAULTS.redisProxy];
  const mysqlProxy = proxies[EXTERNAL_DEFAULTS.mysqlProxy];
  if (redisProxy === undefined || mysqlProxy === undefined) {
    throw new ConfigurationError(
      `CACHEPROOF_TOXIPROXY_URL: Toxiproxy at ${toxiproxyUrl} lacks the proxies '${EXTERNAL_DEFAULTS.redisProxy}' and '${EXTERNAL_DEFAULTS.mysqlProxy}' (see toxiproxy.json and docker-compose.yml)`,
    );
  }
  const warn =
    options.warn ?? ((message: string) => process.stderr.write(`cacheproof: warning: ${message}\n`));
  await removeHarnessLeftovers(toxiproxy, [EXTERNAL_DEFAULTS.redisProxy, EXTERNAL_DEFAULTS.mysqlProxy], warn);
  const toxiproxyHost = new URL(toxiproxyUrl).hostname;
  const endpoints: ServiceEndpoints = {
    redis: {
      direct: { host: redis.host, port: redis.port },
      proxied: { host: toxiproxyHost, port: listenPort(redisProxy.listen) },
      db: redis.db,
    },
    mysql: {
      direct: { host: db.host, port: db.port },
      proxied: { host: toxiproxyHost, port: listenPort(mysqlProxy.listen) },
      user: db.user,
      password: db.password,
      database: db.database,
    },
    toxiproxy: {
      url: toxiproxyUrl,
      proxies: { redis: EXTERNAL_DEFAULTS.redisProxy, mysql: EXTERNAL_DEFAULTS.mysqlProxy },
    },
  };
  return {
    kind: 'external',
    endpoints,
    processes: undefined,
    topology: SINGLE_TOPOLOGY,
    versions: { mysql: version, toxiproxy: toxiproxyVersion, node: process.versions.node },
    startupMs: {},
    // The user owns these services: nothing to stop.
    stop: async () => undefined,
  };
}

/**
 * Refuses an `items` table that is not the harness's own (other columns than
 * {@link ITEMS_COLUMNS}): runs truncate it. With rows, they are someone's data; empty, the
 * load would fail on it anyway. --allow-existing-db does not lift this.
 */
async function checkItemsTable(connection: mysql.Connection, database: string): Promise<void> {
  const [rows] = await connection.query(
    'SELECT COLUMN_NAME AS name, DATA_TYPE AS type FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
    [database, 'items'],
  );
  const columns = (rows as Array<{ name: string; type: string }>).map(
    (c) => `${String(c.name)} ${String(c.type).toLowerCase()}`,
  );
  const expected = ITEMS_COLUMNS.map((c) => `${c.name} ${c.type}`);
  if (columns.join(', ') === expected.join(', ')) return;
  const [filled] = await connection.query('SELECT 1 FROM items LIMIT 1');
  const holds = (filled as unknown[]).length > 0 ? 'holds rows and ' : '';
  throw new ConfigurationError(
    `CACHEPROOF_MYSQL_URL: ${database}.items ${holds}is not the harness's table (columns ${columns.join(', ')}; expected ${expected.join(', ')}); runs truncate it, so use another database`,
  );
}

/** SCAN steps (of COUNT {@link SCAN_BATCH}) at most: the check stays bounded on a large database. */
const SCAN_STEPS = 1000;
const SCAN_BATCH = 1000;

/**
 * Refuses a Redis database holding keys other than the harness's own ({@link HARNESS_REDIS_KEY}),
 * since runs FLUSHDB it, unless `allowed` (--allow-existing-db). A database too large to check
 * within the bound is refused the same way.
 */
async function checkRedisDatabase(address: HostPort & { db: number }, allowed: boolean): Promise<void> {
  if (allowed) return;
  const redis = new Redis({
    host: address.host,
    port: address.port,
    db: address.db,
    lazyConnect: true,
    connectTimeout: 3000,
    commandTimeout: 5000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  const where = `CACHEPROOF_REDIS_URL: Redis database ${address.db} at ${address.host}:${address.port}`;
  try {
    await redis.connect().catch((error: unknown) => {
      throw new ConfigurationError(`${where}: cannot connect: ${messageOf(error)}`);
    });
    let cursor = '0';
    for (let step = 0; step < SCAN_STEPS; step++) {
      const [next, keys] = await redis.scan(cursor, 'COUNT', SCAN_BATCH);
      const foreign = keys.find((key) => !HARNESS_REDIS_KEY.test(key));
      if (foreign !== undefined) {
        throw new ConfigurationError(
          `${where} holds keys that are not the harness's (e.g. '${foreign.slice(0, 80)}'); runs FLUSHDB it, so choose another database (redis://host:port/N) or pass --allow-existing-db`,
        );
      }
      cursor = next;
      if (cursor === '0') return;
    }
    throw new ConfigurationError(
      `${where} holds more keys than the harness checks (${SCAN_STEPS * SCAN_BATCH}); runs FLUSHDB it, so choose another database or pass --allow-existing-db`,
    );
  } finally {
    redis.disconnect();
  }
}
