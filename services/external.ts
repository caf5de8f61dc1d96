import mysql from 'mysql2/promise';
import { Toxiproxy } from 'toxiproxy-node-client';
import { ConfigurationError } from '../kernel/index.ts';
import { redisPing } from './processes.ts';
import { BENCHMARK_DB_NAME, ITEMS_TABLE_DDL } from './schema.ts';
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
  /** Allow a database whose name does not say it is for benchmarks (runs truncate `items`). */
  allowExistingDb?: boolean;
}

export interface ExternalSettings {
  redis: HostPort;
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
  if (!BENCHMARK_DB_NAME.test(database) && options.allowExistingDb !== true) {
    throw new ConfigurationError(
      `CACHEPROOF_MYSQL_URL: database '${database}' does not look like a benchmark database (runs truncate its items table); use a name containing 'bench', 'cacheproof' or 'test', or pass --allow-existing-db`,
    );
  }
  return {
    redis: { host: redisUrl.hostname, port: Number(redisUrl.port || 6379) },
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
  } finally {
    await connection.end().catch(() => undefined);
  }
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
  const toxiproxyHost = new URL(toxiproxyUrl).hostname;
  const endpoints: ServiceEndpoints = {
    redis: { direct: redis, proxied: { host: toxiproxyHost, port: listenPort(redisProxy.listen) } },
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
    versions: { mysql: version, toxiproxy: toxiproxyVersion, node: process.versions.node },
    startupMs: {},
    // The user owns these services: nothing to stop.
    stop: async () => undefined,
  };
}
