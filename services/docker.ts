import mysql from 'mysql2/promise';
import type {
  GenericContainer,
  StartedNetwork,
  StartedTestContainer,
  Wait as WaitFactory,
  WaitStrategy,
} from 'testcontainers';
import { Toxiproxy } from 'toxiproxy-node-client';
import { ConfigurationError, messageOf } from '../kernel/index.ts';
import { SERVICE_IMAGES, type ServiceName } from './images.ts';
import { freePort, redisCommand, redisPing, waitUntil } from './processes.ts';
import { ITEMS_TABLE_DDL } from './schema.ts';
import { SINGLE_TOPOLOGY } from './topology.ts';
import type {
  Environment,
  HostPort,
  LocalEnvironmentOptions,
  ProcessControl,
  ServiceEndpoints,
} from './types.ts';

const MYSQL_USER = 'cacheproof';
const MYSQL_PASSWORD = 'cacheproof';
const MYSQL_DATABASE = 'cacheproof_bench';
const REDIS_PORT = 6379;
const MYSQL_PORT = 3306;
const TOXIPROXY_API_PORT = 8474;
/** Ports the Toxiproxy proxies listen on inside their container (as in docker-compose.yml). */
const REDIS_PROXY_PORT = 26379;
const MYSQL_PROXY_PORT = 23306;
/** A first start pulls images and initialises MySQL's data directory: minutes on a slow link. */
const DEFAULT_STARTUP_TIMEOUT_MS = 180_000;
/** How long a restarted Redis container may take to answer PING. */
const RESTART_TIMEOUT_MS = 30_000;

/** What a container waits for before it counts as started; every entry must hold. */
export type DockerWait =
  | { kind: 'log'; pattern: RegExp; times: number }
  | { kind: 'http'; path: string; port: number };

/** One service as a container: pure data, turned into a testcontainers builder by the starter. */
export interface DockerServiceDefinition {
  name: ServiceName;
  image: string;
  /** Name the other containers reach it by on the environment's network. */
  networkAlias: string;
  /** Container ports published on the host; `host` pins the host port (Redis: kept across a crash). */
  exposedPorts: Array<{ container: number; host?: number }>;
  command: string[];
  environment: Record<string, string>;
  wait: DockerWait[];
  startupTimeoutMs: number;
}

/** Options of the docker environment: the local environment's, plus how long a start may take. */
export interface DockerEnvironmentOptions extends LocalEnvironmentOptions {
  /** Per container (image pull included); default 180 s. */
  startupTimeoutMs?: number;
}

/**
 * The three containers, without touching Docker: Redis (no persistence unless asked) on a
 * pinned host port, MySQL 8.4 with the benchmark database and user, Toxiproxy with its API
 * and the two proxy ports published. `redisHostPort` is the host port Redis is published on.
 */
export function dockerServiceDefinitions(
  options: DockerEnvironmentOptions = {},
  redisHostPort?: number,
): Record<ServiceName, DockerServiceDefinition> {
  const startupTimeoutMs = options.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS;
  const persistence = options.redisPersistence ?? 'none';
  const redisCommand = ['redis-server', '--save', '', '--appendonly', persistence === 'none' ? 'no' : 'yes'];
  if (persistence !== 'none') redisCommand.push('--appendfsync', persistence);
  if (options.redisMaxMemoryBytes !== undefined)
    redisCommand.push('--maxmemory', String(options.redisMaxMemoryBytes));
  return {
    redis: {
      name: 'redis',
      image: SERVICE_IMAGES.redis,
      networkAlias: 'redis',
      exposedPorts: [
        redisHostPort === undefined
          ? { container: REDIS_PORT }
          : { container: REDIS_PORT, host: redisHostPort },
      ],
      command: redisCommand,
      environment: {},
      wait: [{ kind: 'log', pattern: /Ready to accept connections/, times: 1 }],
      startupTimeoutMs,
    },
    mysql: {
      name: 'mysql',
      image: SERVICE_IMAGES.mysql,
      networkAlias: 'mysql',
      exposedPorts: [{ container: MYSQL_PORT }],
      command: ['--max-connections=1000', '--skip-name-resolve'],
      environment: {
        MYSQL_DATABASE,
        MYSQL_USER,
        MYSQL_PASSWORD,
        MYSQL_ROOT_PASSWORD: 'cacheproof-root',
      },
      // The entrypoint first runs a temporary server without networking (it logs "port: 0");
      // the X Plugin's line names port 33060.
      wait: [{ kind: 'log', pattern: /mysqld: ready for connections.*port: 3306\b/, times: 1 }],
      startupTimeoutMs,
    },
    toxiproxy: {
      name: 'toxiproxy',
      image: SERVICE_IMAGES.toxiproxy,
      networkAlias: 'toxiproxy',
      exposedPorts: [
        { container: TOXIPROXY_API_PORT },
        { container: REDIS_PROXY_PORT },
        { container: MYSQL_PROXY_PORT },
      ],
      command: ['-host', '0.0.0.0'],
      environment: {},
      // The proxy ports only listen once the proxies exist, so only the API is waited for.
      wait: [{ kind: 'http', path: '/version', port: TOXIPROXY_API_PORT }],
      startupTimeoutMs,
    },
  };
}

type Testcontainers = typeof import('testcontainers');

/** testcontainers takes seconds to load: only `--env docker` pays for it. */
function loadTestcontainers(): Promise<Testcontainers> {
  return import('testcontainers');
}

/**
 * Whether testcontainers finds a working container runtime (DOCKER_HOST,
 * ~/.testcontainers.properties, the Docker socket, a rootless socket). `reason` says why not.
 */
export async function dockerEngineAvailable(): Promise<{ available: boolean; reason: string }> {
  try {
    const { getContainerRuntimeClient } = await loadTestcontainers();
    const client = await getContainerRuntimeClient();
    return {
      available: true,
      reason: `container runtime ${client.info.containerRuntime.serverVersion} reachable`,
    };
  } catch (error) {
    const detail = messageOf(error);
    return {
      available: false,
      reason: `no Docker engine reachable (testcontainers: ${detail}; it tried DOCKER_HOST, ~/.testcontainers.properties and the Docker sockets)`,
    };
  }
}

function toWaitStrategy(Wait: typeof WaitFactory, waits: readonly DockerWait[]): WaitStrategy {
  const strategies = waits.map((wait) =>
    wait.kind === 'log' ? Wait.forLogMessage(wait.pattern, wait.times) : Wait.forHttp(wait.path, wait.port),
  );
  return strategies.length === 1 ? (strategies[0] as WaitStrategy) : Wait.forAll(strategies);
}

function toContainer(
  tc: Testcontainers,
  definition: DockerServiceDefinition,
  network: StartedNetwork,
): GenericContainer {
  return new tc.GenericContainer(definition.image)
    .withNetwork(network)
    .withNetworkAliases(definition.networkAlias)
    .withExposedPorts(
      ...definition.exposedPorts.map((port) =>
        port.host === undefined ? port.container : { container: port.container, host: port.host },
      ),
    )
    .withCommand(definition.command)
    .withEnvironment(definition.environment)
    .withWaitStrategy(toWaitStrategy(tc.Wait, definition.wait))
    .withStartupTimeout(definition.startupTimeoutMs);
}

/** testcontainers reports a local engine as "localhost"; traffic stays on 127.0.0.1. */
function loopback(host: string): string {
  return host === 'localhost' ? '127.0.0.1' : host;
}

/** Redis, MySQL and Toxiproxy as containers on one network, started with testcontainers. */
class DockerEnvironment implements Environment {
  readonly kind = 'docker' as const;
  readonly topology = SINGLE_TOPOLOGY;
  readonly startupMs: Record<string, number> = {};
  endpoints!: ServiceEndpoints;
  versions: Record<string, string> = {};
  readonly processes: ProcessControl;

  private network: StartedNetwork | undefined;
  private readonly containers = new Map<ServiceName, StartedTestContainer>();
  private readonly paused = new Set<ServiceName>();
  private readonly knownPids: Record<ServiceName, number | undefined> = {
    redis: undefined,
    mysql: undefined,
    toxiproxy: undefined,
  };
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly tc: Testcontainers,
    private readonly options: DockerEnvironmentOptions,
  ) {
    this.processes = this.processControl();
  }

  async start(): Promise<void> {
    const network = await new this.tc.Network().start();
    this.network = network;
    const definitions = dockerServiceDefinitions(this.options, await freePort());
    await Promise.all(
      (['redis', 'mysql', 'toxiproxy'] as const).map(async (name) => {
        const started = performance.now();
        const container = await toContainer(this.tc, definitions[name], network).start();
        this.containers.set(name, container);
        this.startupMs[name] = Math.round(performance.now() - started);
      }),
    );
    const redis = this.container('redis');
    const mysqlContainer = this.container('mysql');
    const toxiproxyContainer = this.container('toxiproxy');
    const redisDirect: HostPort = { host: loopback(redis.getHost()), port: redis.getMappedPort(REDIS_PORT) };
    const mysqlDirect: HostPort = {
      host: loopback(mysqlContainer.getHost()),
      port: mysqlContainer.getMappedPort(MYSQL_PORT),
    };
    const toxiproxyHost = loopback(toxiproxyContainer.getHost());
    const toxiproxyUrl = `http://${toxiproxyHost}:${toxiproxyContainer.getMappedPort(TOXIPROXY_API_PORT)}`;

    const started = performance.now();
    const toxiproxy = new Toxiproxy(toxiproxyUrl);
    await toxiproxy.createProxy({
      name: 'redis',
      listen: `0.0.0.0:${REDIS_PROXY_PORT}`,
      upstream: `${definitions.redis.networkAlias}:${REDIS_PORT}`,
    });
    await toxiproxy.createProxy({
      name: 'mysql',
      listen: `0.0.0.0:${MYSQL_PROXY_PORT}`,
      upstream: `${definitions.mysql.networkAlias}:${MYSQL_PORT}`,
    });
    this.startupMs.proxies = Math.round(performance.now() - started);
    this.endpoints = {
      redis: {
        direct: redisDirect,
        proxied: { host: toxiproxyHost, port: toxiproxyContainer.getMappedPort(REDIS_PROXY_PORT) },
        db: 0,
      },
      mysql: {
        direct: mysqlDirect,
        proxied: { host: toxiproxyHost, port: toxiproxyContainer.getMappedPort(MYSQL_PROXY_PORT) },
        user: MYSQL_USER,
        password: MYSQL_PASSWORD,
        database: MYSQL_DATABASE,
      },
      toxiproxy: { url: toxiproxyUrl, proxies: { redis: 'redis', mysql: 'mysql' } },
    };
    const mysqlVersion = await this.createItemsTable(mysqlDirect);
    const redisVersion = await redis.exec(['redis-server', '--version']);
    this.versions = {
      redis: /v=(\S+)/.exec(redisVersion.output)?.[1] ?? SERVICE_IMAGES.redis,
      mysql: mysqlVersion,
      toxiproxy: await toxiproxy.getVersion(),
      node: process.versions.node,
    };
    await Promise.all((['redis', 'mysql', 'toxiproxy'] as const).map((name) => this.refreshPid(name)));
  }

  /** Creates `items` (services/schema.ts) and returns MySQL's version. */
  private async createItemsTable(address: HostPort): Promise<string> {
    let version = 'unknown';
    await waitUntil(
      `MySQL container on ${address.host}:${address.port}`,
      async () => {
        const connection = await mysql.createConnection({
          ...address,
          user: MYSQL_USER,
          password: MYSQL_PASSWORD,
          database: MYSQL_DATABASE,
          connectTimeout: 2000,
        });
        try {
          await connection.query(ITEMS_TABLE_DDL);
          const [rows] = await connection.query('SELECT VERSION() AS version');
          version = String((rows as Array<{ version: string }>)[0]?.version ?? 'unknown');
          return true;
        } finally {
          await connection.end().catch(() => undefined);
        }
      },
      RESTART_TIMEOUT_MS,
    );
    return version;
  }

  private container(name: ServiceName): StartedTestContainer {
    const container = this.containers.get(name);
    if (container === undefined) throw new Error(`${name} container is not running`);
    return container;
  }

  /** The Docker API handle (dockerode) of a started container. */
  private async dockerContainer(name: ServiceName) {
    const client = await this.tc.getContainerRuntimeClient();
    return client.container.getById(this.container(name).getId());
  }

  private async refreshPid(name: ServiceName): Promise<void> {
    const inspect = await (await this.dockerContainer(name)).inspect();
    this.knownPids[name] = inspect.State.Running && inspect.State.Pid > 0 ? inspect.State.Pid : undefined;
  }

  private async setPaused(name: ServiceName, paused: boolean): Promise<void> {
    const container = await this.dockerContainer(name);
    if (paused) await container.pause();
    else await container.unpause();
    if (paused) this.paused.add(name);
    else this.paused.delete(name);
  }

  /** SIGKILL to the container's main process, like the local environment's crash. */
  private async killContainer(name: ServiceName): Promise<void> {
    const container = await this.dockerContainer(name);
    await container.kill({ signal: 'SIGKILL' });
    await waitUntil(
      `${name} container to exit`,
      async () => !(await container.inspect()).State.Running,
      RESTART_TIMEOUT_MS,
    );
    this.knownPids[name] = undefined;
  }

  /** Starts a killed container again: it keeps its pinned host port, its network alias and its data. */
  private async restartContainer(name: ServiceName, ready: () => Promise<unknown>): Promise<void> {
    const container = await this.dockerContainer(name);
    if ((await container.inspect()).State.Running) {
      throw new Error(`${name} container is still running; crash it first`);
    }
    await container.start();
    await ready();
    await this.refreshPid(name);
  }

  private processControl(): ProcessControl {
    return {
      crashRedis: () => this.killContainer('redis'),
      restartRedis: () =>
        this.restartContainer('redis', () => {
          const { host, port } = this.endpoints.redis.direct;
          return waitUntil(
            `redis container on ${host}:${port}`,
            () => redisPing(host, port),
            RESTART_TIMEOUT_MS,
          );
        }),
      snapshotRedis: async () => {
        const { host, port } = this.endpoints.redis.direct;
        await redisCommand(host, port, 'SAVE');
      },
      crashMysql: () => this.killContainer('mysql'),
      restartMysql: () =>
        this.restartContainer('mysql', () => this.createItemsTable(this.endpoints.mysql.direct)),
      dataDirs: () => ({
        redis: '/data (in the redis container)',
        mysql: '/var/lib/mysql (in the mysql container)',
      }),
      pauseRedis: () => this.setPaused('redis', true),
      resumeRedis: () => this.setPaused('redis', false),
      pauseMysql: () => this.setPaused('mysql', true),
      resumeMysql: () => this.setPaused('mysql', false),
      pids: () => ({ ...this.knownPids }),
    };
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      // A paused container cannot be stopped; resume what a fault left paused.
      for (const name of [...this.paused]) await this.setPaused(name, false).catch(() => undefined);
      await Promise.all(
        [...this.containers.keys()].map((name) =>
          this.container(name)
            .stop()
            .catch(async () => (await this.dockerContainer(name)).remove({ force: true }))
            .catch(() => undefined),
        ),
      );
      this.containers.clear();
      this.knownPids.redis = this.knownPids.mysql = this.knownPids.toxiproxy = undefined;
      await this.network?.stop().catch(() => undefined);
    })();
    return this.stopping;
  }
}

/**
 * Starts Redis 7.4, MySQL 8.4 (database `cacheproof_bench`, user cacheproof/cacheproof,
 * `items` created) and Toxiproxy 2.12 (proxies `redis` and `mysql`) as containers on one
 * network with testcontainers, and returns the same typed endpoints as the local
 * environment. Process control: a Redis crash is SIGKILL to its container and a restart is
 * `docker start` of the same container (same host port); pauses are `docker pause` /
 * `unpause` (the cgroup freezer, like SIGSTOP to every process in it). testcontainers' Ryuk
 * removes the containers if the harness dies. Throws {@link ConfigurationError} when no
 * Docker engine is reachable.
 */
export async function startDockerEnvironment(options: DockerEnvironmentOptions = {}): Promise<Environment> {
  const engine = await dockerEngineAvailable();
  if (!engine.available) {
    throw new ConfigurationError(
      `--env docker: ${engine.reason}; start a Docker engine, or use --env local (default) or --env external`,
    );
  }
  const environment = new DockerEnvironment(await loadTestcontainers(), options);
  try {
    await environment.start();
  } catch (error) {
    await environment.stop();
    throw error;
  }
  return environment;
}
