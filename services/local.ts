import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { Toxiproxy } from 'toxiproxy-node-client';
import { binaryVersion, findServiceBinaries, PROJECT_ROOT, type ServiceBinaries } from './binaries.ts';
import {
  freePort,
  killAndWait,
  type ManagedProcess,
  pidExists,
  redisCommand,
  redisPing,
  setStopped,
  signalQuietly,
  spawnServer,
  startReaper,
  waitUntil,
} from './processes.ts';
import { ITEMS_TABLE_DDL } from './schema.ts';
import type {
  Environment,
  HostPort,
  LocalEnvironmentOptions,
  ProcessControl,
  RedisPersistence,
  ServiceEndpoints,
} from './types.ts';

const execFileAsync = promisify(execFile);

const LOOPBACK = '127.0.0.1';
const MYSQL_USER = 'cacheproof';
const MYSQL_PASSWORD = 'cacheproof';
const MYSQL_DATABASE = 'cacheproof_bench';
const START_TIMEOUT_MS = 30_000;

/** Every environment started by this process, so an exit still kills their servers. */
const liveEnvironments = new Set<LocalEnvironment>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: signal and remove what is left, nothing more.
  process.once('exit', () => {
    for (const environment of liveEnvironments) environment.killNow();
  });
}

/** Runs SQL at every MariaDB start: the benchmark user, database and table. */
const INIT_SQL = `CREATE DATABASE IF NOT EXISTS ${MYSQL_DATABASE};
CREATE USER IF NOT EXISTS '${MYSQL_USER}'@'%' IDENTIFIED BY '${MYSQL_PASSWORD}';
GRANT ALL PRIVILEGES ON *.* TO '${MYSQL_USER}'@'%';
USE ${MYSQL_DATABASE};
${ITEMS_TABLE_DDL.replace(/\n/g, ' ')};
`;

/**
 * `mariadb-install-db` takes about a second; a started server only needs a copy of a fresh
 * data directory, so one is initialised once per MariaDB version and copied for each start.
 */
async function mariadbTemplate(binaries: ServiceBinaries, version: string): Promise<string> {
  const cacheRoot = join(PROJECT_ROOT, '.tools', 'cache');
  await removeStaleStaging(cacheRoot);
  const template = join(cacheRoot, `mariadb-datadir-${version.replace(/[^\w.-]/g, '_')}`);
  if (existsSync(join(template, 'mysql'))) return template;
  await mkdir(cacheRoot, { recursive: true });
  // The owner's PID in the name lets a later start tell a staging directory in use from the
  // leftover of a start that was killed.
  const staging = await mkdtemp(join(cacheRoot, `${STAGING_PREFIX}${process.pid}-`));
  const datadir = join(staging, 'data');
  const args = [
    '--no-defaults',
    `--datadir=${datadir}`,
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
    '--innodb-log-file-size=8M',
  ];
  if (process.getuid?.() === 0) args.push('--user=root');
  try {
    await execFileAsync(binaries.mariadbInstallDb, args, { timeout: 60_000 });
    // Another process may have won the race; either copy is as good.
    await rename(datadir, template).catch(() => undefined);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return template;
}

const STAGING_PREFIX = 'mariadb-staging-';
/** A staging directory without an owner PID (older harnesses) is stale after this long. */
const UNOWNED_STAGING_MAX_AGE_MS = 10 * 60_000;

/**
 * Removes MariaDB staging directories under `cacheRoot` whose owner is gone: a harness killed
 * during its first MariaDB initialisation leaves one (tens of MB) that nothing else removes.
 * A directory is stale when the PID in its name no longer runs (or is a zombie), or, for a
 * name without a PID, when it is older than {@link UNOWNED_STAGING_MAX_AGE_MS}.
 */
export async function removeStaleStaging(cacheRoot: string): Promise<string[]> {
  const names = await readdir(cacheRoot).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(STAGING_PREFIX)) continue;
    const path = join(cacheRoot, name);
    const owner = /^(\d+)-/.exec(name.slice(STAGING_PREFIX.length))?.[1];
    const stale =
      owner === undefined
        ? Date.now() - ((await stat(path).catch(() => undefined))?.mtimeMs ?? Date.now()) >
          UNOWNED_STAGING_MAX_AGE_MS
        : Number(owner) !== process.pid && !pidExists(Number(owner));
    if (!stale) continue;
    await rm(path, { recursive: true, force: true });
    removed.push(path);
  }
  return removed;
}

let versionsCache: Promise<Record<string, string>> | undefined;

function serviceVersions(binaries: ServiceBinaries): Promise<Record<string, string>> {
  versionsCache ??= Promise.all([
    binaryVersion(binaries.redisServer, /v=(\S+)/),
    binaryVersion(binaries.mariadbd, /Ver\s+(\S+)/),
    binaryVersion(binaries.toxiproxyServer, /version\s+(\S+)/),
  ]).then(([redis, mariadb, toxiproxy]) => ({ redis, mariadb, toxiproxy, node: process.versions.node }));
  return versionsCache;
}

/** Redis, MariaDB and Toxiproxy as local processes on 127.0.0.1, in a fresh temporary directory. */
class LocalEnvironment implements Environment {
  readonly kind = 'local' as const;
  readonly startupMs: Record<string, number> = {};
  endpoints!: ServiceEndpoints;
  processes: ProcessControl | undefined;
  versions: Record<string, string> = {};

  private redis: ManagedProcess | undefined;
  private mariadb: ManagedProcess | undefined;
  private toxiproxy: ManagedProcess | undefined;
  private redisArgs: string[] = [];
  private mariadbArgs: string[] = [];
  private readonly reaper;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly dir: string,
    private readonly binaries: ServiceBinaries,
    private readonly options: Required<Pick<LocalEnvironmentOptions, 'redisPersistence'>> &
      LocalEnvironmentOptions,
  ) {
    this.reaper = startReaper(this.pidFile, dir);
    this.processes = this.processControl();
  }

  private get pidFile(): string {
    return join(this.dir, 'pids');
  }

  async start(): Promise<void> {
    this.versions = await serviceVersions(this.binaries);
    const [redisPort, mysqlPort, toxiproxyPort, redisProxyPort, mysqlProxyPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    const redis: HostPort = { host: LOOPBACK, port: redisPort };
    const mysqlDirect: HostPort = { host: LOOPBACK, port: mysqlPort };
    const toxiproxyUrl = `http://${LOOPBACK}:${toxiproxyPort}`;
    await Promise.all([
      this.startRedis(redis, this.options.redisPersistence),
      this.startMariadb(mysqlDirect),
      this.startToxiproxy(toxiproxyPort),
    ]);
    const started = performance.now();
    const toxiproxy = new Toxiproxy(toxiproxyUrl);
    await toxiproxy.createProxy({
      name: 'redis',
      listen: `${LOOPBACK}:${redisProxyPort}`,
      upstream: `${LOOPBACK}:${redisPort}`,
    });
    await toxiproxy.createProxy({
      name: 'mysql',
      listen: `${LOOPBACK}:${mysqlProxyPort}`,
      upstream: `${LOOPBACK}:${mysqlPort}`,
    });
    this.startupMs.proxies = Math.round(performance.now() - started);
    this.endpoints = {
      redis: { direct: redis, proxied: { host: LOOPBACK, port: redisProxyPort }, db: 0 },
      mysql: {
        direct: mysqlDirect,
        proxied: { host: LOOPBACK, port: mysqlProxyPort },
        user: MYSQL_USER,
        password: MYSQL_PASSWORD,
        database: MYSQL_DATABASE,
      },
      toxiproxy: { url: toxiproxyUrl, proxies: { redis: 'redis', mysql: 'mysql' } },
    };
  }

  private async startRedis(address: HostPort, persistence: RedisPersistence): Promise<void> {
    const started = performance.now();
    const redisDir = join(this.dir, 'redis');
    await mkdir(redisDir, { recursive: true });
    this.redisArgs = [
      '--port',
      String(address.port),
      '--bind',
      LOOPBACK,
      '--dir',
      redisDir,
      '--save',
      '',
      '--appendonly',
      persistence === 'none' ? 'no' : 'yes',
      '--protected-mode',
      'no',
      '--daemonize',
      'no',
    ];
    if (persistence !== 'none') this.redisArgs.push('--appendfsync', persistence);
    if (this.options.redisMaxMemoryBytes !== undefined) {
      this.redisArgs.push('--maxmemory', String(this.options.redisMaxMemoryBytes));
    }
    await this.spawnRedis(address);
    this.startupMs.redis = Math.round(performance.now() - started);
  }

  private async spawnRedis(address: HostPort): Promise<void> {
    this.redis = spawnServer(
      'redis-server',
      this.binaries.redisServer,
      this.redisArgs,
      this.log('redis.log'),
    );
    await this.writePids();
    await waitUntil(
      `redis-server on ${address.host}:${address.port}`,
      () => redisPing(address.host, address.port),
      START_TIMEOUT_MS,
      this.redis,
    );
  }

  private async startMariadb(address: HostPort): Promise<void> {
    const started = performance.now();
    const template = await mariadbTemplate(this.binaries, this.versions.mariadb ?? 'unknown');
    const datadir = join(this.dir, 'mariadb');
    await cp(template, datadir, { recursive: true });
    const initFile = join(this.dir, 'init.sql');
    await writeFile(initFile, INIT_SQL);
    const args = [
      '--no-defaults',
      `--datadir=${datadir}`,
      `--port=${address.port}`,
      `--bind-address=${LOOPBACK}`,
      `--socket=${join(this.dir, 'mariadb.sock')}`,
      `--pid-file=${join(this.dir, 'mariadb.pid')}`,
      `--init-file=${initFile}`,
      '--skip-name-resolve',
      // Row-based binary log: MySQL's own record of every committed row image. The checker's
      // lost writes are read from it, and CDC invalidation follows it.
      `--log-bin=${join(this.dir, 'binlog')}`,
      '--binlog-format=ROW',
      '--binlog-row-image=FULL',
      '--server-id=1',
      '--innodb-buffer-pool-size=256M',
      '--max-connections=1000',
      `--log-error=${this.log('mariadb.log')}`,
    ];
    if (process.getuid?.() === 0) args.push('--user=root');
    this.mariadbArgs = args;
    await this.spawnMariadb(address);
    this.startupMs.mariadb = Math.round(performance.now() - started);
  }

  /** Starts mariadbd on the data directory already there (after a crash: InnoDB recovers it). */
  private async spawnMariadb(address: HostPort): Promise<void> {
    this.mariadb = spawnServer('mariadbd', this.binaries.mariadbd, this.mariadbArgs, this.log('mariadb.out'));
    await this.writePids();
    await waitUntil(
      `mariadbd on ${address.host}:${address.port}`,
      async () => {
        const connection = await mysql.createConnection({
          host: address.host,
          port: address.port,
          user: MYSQL_USER,
          password: MYSQL_PASSWORD,
          database: MYSQL_DATABASE,
          connectTimeout: 1000,
        });
        try {
          await connection.query('SELECT 1 FROM items LIMIT 1');
          return true;
        } finally {
          await connection.end().catch(() => undefined);
        }
      },
      START_TIMEOUT_MS,
      this.mariadb,
    );
  }

  private async startToxiproxy(port: number): Promise<void> {
    const started = performance.now();
    this.toxiproxy = spawnServer(
      'toxiproxy-server',
      this.binaries.toxiproxyServer,
      ['-host', LOOPBACK, '-port', String(port)],
      this.log('toxiproxy.log'),
    );
    await this.writePids();
    await waitUntil(
      `toxiproxy-server on ${LOOPBACK}:${port}`,
      async () => (await fetch(`http://${LOOPBACK}:${port}/version`)).ok,
      START_TIMEOUT_MS,
      this.toxiproxy,
    );
    this.startupMs.toxiproxy = Math.round(performance.now() - started);
  }

  private log(name: string): string {
    return join(this.dir, name);
  }

  private async writePids(): Promise<void> {
    const pids = [this.redis, this.mariadb, this.toxiproxy]
      .map((p) => p?.child.pid)
      .filter((pid): pid is number => pid !== undefined);
    await writeFile(this.pidFile, pids.join('\n'));
  }

  private processControl(): ProcessControl {
    const requirePid = (process_: ManagedProcess | undefined, what: string): number => {
      const pid = process_?.child.pid;
      if (process_ === undefined || pid === undefined || !process_.isRunning()) {
        throw new Error(`${what} is not running`);
      }
      return pid;
    };
    return {
      crashRedis: async () => {
        requirePid(this.redis, 'redis-server');
        if (this.redis !== undefined) await killAndWait(this.redis);
      },
      restartRedis: async () => {
        if (this.redis?.isRunning()) throw new Error('redis-server is still running; crash it first');
        await this.spawnRedis(this.endpoints.redis.direct);
      },
      snapshotRedis: async () => {
        requirePid(this.redis, 'redis-server');
        const { host, port } = this.endpoints.redis.direct;
        await redisCommand(host, port, 'SAVE');
      },
      crashMysql: async () => {
        requirePid(this.mariadb, 'mariadbd');
        if (this.mariadb !== undefined) await killAndWait(this.mariadb);
      },
      restartMysql: async () => {
        if (this.mariadb?.isRunning()) throw new Error('mariadbd is still running; crash it first');
        await this.spawnMariadb(this.endpoints.mysql.direct);
      },
      dataDirs: () => ({ redis: join(this.dir, 'redis'), mysql: join(this.dir, 'mariadb') }),
      pauseRedis: async () => setStopped(requirePid(this.redis, 'redis-server'), true),
      resumeRedis: async () => setStopped(requirePid(this.redis, 'redis-server'), false),
      pauseMysql: async () => setStopped(requirePid(this.mariadb, 'mariadbd'), true),
      resumeMysql: async () => setStopped(requirePid(this.mariadb, 'mariadbd'), false),
      pids: () => ({
        redis: this.redis?.isRunning() ? this.redis.child.pid : undefined,
        mysql: this.mariadb?.isRunning() ? this.mariadb.child.pid : undefined,
        toxiproxy: this.toxiproxy?.isRunning() ? this.toxiproxy.child.pid : undefined,
      }),
    };
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await Promise.all(
        [this.toxiproxy, this.redis, this.mariadb].map((p) => (p === undefined ? undefined : killAndWait(p))),
      );
      await rm(this.dir, { recursive: true, force: true });
      if (this.reaper.pid !== undefined) signalQuietly(this.reaper.pid, 'SIGKILL');
      liveEnvironments.delete(this);
    })();
    return this.stopping;
  }

  /** Synchronous last resort from the process 'exit' hook. */
  killNow(): void {
    for (const process_ of [this.toxiproxy, this.redis, this.mariadb]) {
      const pid = process_?.child.pid;
      if (pid !== undefined && process_?.isRunning()) {
        signalQuietly(pid, 'SIGCONT');
        signalQuietly(pid, 'SIGKILL');
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
    if (this.reaper.pid !== undefined) signalQuietly(this.reaper.pid, 'SIGKILL');
  }
}

/**
 * Starts Redis (no persistence unless asked), MariaDB (own data directory, `items` table
 * created) and Toxiproxy with proxies `redis` and `mysql`, each on a free loopback port.
 * Every process is killed and the directory removed by `stop()`, at process exit, or by a
 * watchdog if the harness is killed. Throws {@link ConfigurationError} when a binary is missing.
 */
export async function startLocalEnvironment(options: LocalEnvironmentOptions = {}): Promise<Environment> {
  const binaries = await findServiceBinaries();
  const dir = await mkdtemp(join(tmpdir(), 'cacheproof-'));
  installExitHook();
  const environment = new LocalEnvironment(dir, binaries, {
    ...options,
    redisPersistence: options.redisPersistence ?? 'none',
  });
  liveEnvironments.add(environment);
  try {
    await environment.start();
  } catch (error: unknown) {
    await environment.stop();
    throw error;
  }
  return environment;
}
