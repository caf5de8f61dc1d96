import { execFile } from 'node:child_process';
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { Toxiproxy } from 'toxiproxy-node-client';
import {
  binaryVersion,
  findRedisCli,
  findServiceBinaries,
  PROJECT_ROOT,
  type ServiceBinaries,
} from './binaries.ts';
import {
  freePorts,
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
import { CLUSTER_NODES, type ClusterNodeAddress, LocalRedisCluster } from './redis-cluster.ts';
import { replicaControl, startReplicating } from './replication.ts';
import { ITEMS_TABLE_DDL } from './schema.ts';
import type {
  ClusterControl,
  Environment,
  EnvironmentTopology,
  HostPort,
  LocalEnvironmentOptions,
  ProcessControl,
  RedisPersistence,
  ReplicaControl,
  ServiceEndpoints,
} from './types.ts';

const execFileAsync = promisify(execFile);

const LOOPBACK = '127.0.0.1';
/** The MySQL user, password and database of the local environment's primary and replica (as docker-compose.yml's). */
export const LOCAL_MYSQL_ACCESS = Object.freeze({
  user: 'cacheproof',
  password: 'cacheproof',
  database: 'cacheproof_bench',
});
const MYSQL_USER = LOCAL_MYSQL_ACCESS.user;
const MYSQL_PASSWORD = LOCAL_MYSQL_ACCESS.password;
const MYSQL_DATABASE = LOCAL_MYSQL_ACCESS.database;
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

/**
 * How the replica applies what it receives. One SQL thread committing (and fsyncing) one
 * transaction at a time falls seconds behind a primary that group-commits 16 clients' writes
 * (measured: Seconds_Behind_Master 3–5 s in a calm 10 s ycsb-a run), so the replica applies in
 * parallel (MariaDB's optimistic mode) and writes its redo log at each commit but flushes it
 * once a second, as replicas that can be rebuilt often do; no fault crashes the replica.
 * The lag a run measures is then the link's and the faults', not an fsync queue's.
 */
const REPLICA_APPLY_ARGS = [
  '--slave-parallel-threads=4',
  '--slave-parallel-mode=optimistic',
  '--innodb-flush-log-at-trx-commit=2',
];

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
  readonly topology: EnvironmentTopology;
  replica: ReplicaControl | undefined;
  cluster: ClusterControl | undefined;

  private redis: ManagedProcess | undefined;
  /** The `cluster` cache topology's nodes (then there is no single {@link redis}). */
  private redisCluster: LocalRedisCluster | undefined;
  private mariadb: ManagedProcess | undefined;
  /** The replica's mariadbd, in the `primary-replica` topology. */
  private mariadbReplica: ManagedProcess | undefined;
  private toxiproxy: ManagedProcess | undefined;
  private redisArgs: string[] = [];
  private mariadbArgs: string[] = [];
  /** Pools the replica control uses (direct to the primary and to the replica); ended at stop. */
  private replicaPools: mysql.Pool[] = [];
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
    this.topology = { db: options.dbTopology ?? 'single', cache: options.cacheTopology ?? 'single' };
  }

  private get pidFile(): string {
    return join(this.dir, 'pids');
  }

  async start(): Promise<void> {
    this.versions = await serviceVersions(this.binaries);
    const withReplica = this.topology.db === 'primary-replica';
    // One allocation for every port the environment listens on (the cluster's too): all distinct.
    const [
      redisPort,
      mysqlPort,
      toxiproxyPort,
      redisProxyPort,
      mysqlProxyPort,
      invalidatorMysqlPort,
      invalidatorRedisPort,
      ...rest
    ] = await freePorts((withReplica ? 10 : 7) + (this.topology.cache === 'cluster' ? CLUSTER_NODES * 3 : 0));
    const replicaPorts = rest.slice(0, withReplica ? 3 : 0);
    const clusterPorts = rest.slice(withReplica ? 3 : 0);
    const redis: HostPort = { host: LOOPBACK, port: redisPort as number };
    const mysqlDirect: HostPort = { host: LOOPBACK, port: mysqlPort as number };
    const toxiproxyUrl = `http://${LOOPBACK}:${toxiproxyPort}`;
    const [replicaPort, replicaProxyPort, replicationProxyPort] = replicaPorts as number[];
    const replicaDirect: HostPort | undefined =
      replicaPort === undefined ? undefined : { host: LOOPBACK, port: replicaPort };
    // Written once, before either mariadbd reads it.
    await writeFile(join(this.dir, 'init.sql'), INIT_SQL);
    await Promise.all([
      clusterPorts.length > 0 ? Promise.resolve() : this.startRedis(redis, this.options.redisPersistence),
      this.startMariadb(mysqlDirect),
      this.startToxiproxy(toxiproxyPort as number),
      ...(replicaDirect === undefined ? [] : [this.startMariadbReplica(replicaDirect)]),
    ]);
    const started = performance.now();
    const toxiproxy = new Toxiproxy(toxiproxyUrl);
    const proxy = async (name: string, listenPort: number, upstream: HostPort): Promise<void> => {
      await toxiproxy.createProxy({
        name,
        listen: `${LOOPBACK}:${listenPort}`,
        upstream: `${upstream.host}:${upstream.port}`,
      });
    };
    const clusterNodes: ClusterNodeAddress[] = [];
    for (let index = 0; index < clusterPorts.length / 3; index++) {
      const [port, busPort, proxyPort] = clusterPorts.slice(index * 3, index * 3 + 3) as [
        number,
        number,
        number,
      ];
      clusterNodes.push({
        direct: { host: LOOPBACK, port },
        busPort,
        proxied: { host: LOOPBACK, port: proxyPort },
        proxy: `redis-${index}`,
      });
    }
    if (clusterNodes.length === 0) await proxy('redis', redisProxyPort as number, redis);
    for (const node of clusterNodes) await proxy(node.proxy, node.proxied.port, node.direct);
    await proxy('mysql', mysqlProxyPort as number, mysqlDirect);
    // The CDC invalidator's own links: two idle proxies (a few ms), so its faults reach it alone.
    await proxy('invalidator-mysql', invalidatorMysqlPort as number, mysqlDirect);
    // A cluster has no one Redis to proxy: there the invalidator reaches the nodes as the application does.
    if (clusterNodes.length === 0) await proxy('invalidator-redis', invalidatorRedisPort as number, redis);
    if (replicaDirect !== undefined) {
      await proxy('mysql-replica', replicaProxyPort as number, replicaDirect);
      await proxy('replication', replicationProxyPort as number, mysqlDirect);
    }
    this.startupMs.proxies = Math.round(performance.now() - started);
    const access = { user: MYSQL_USER, password: MYSQL_PASSWORD, database: MYSQL_DATABASE };
    const firstNode = clusterNodes[0];
    this.endpoints = {
      redis:
        firstNode === undefined
          ? { direct: redis, proxied: { host: LOOPBACK, port: redisProxyPort as number }, db: 0 }
          : {
              direct: firstNode.direct,
              proxied: firstNode.proxied,
              db: 0,
              cluster: { nodes: clusterNodes.map(({ direct, proxied }) => ({ direct, proxied })) },
            },
      mysql: { direct: mysqlDirect, proxied: { host: LOOPBACK, port: mysqlProxyPort as number }, ...access },
      ...(replicaDirect === undefined
        ? {}
        : {
            mysqlReplica: {
              direct: replicaDirect,
              proxied: { host: LOOPBACK, port: replicaProxyPort as number },
            },
          }),
      invalidator: {
        mysql: { host: LOOPBACK, port: invalidatorMysqlPort as number },
        ...(clusterNodes.length === 0
          ? { redis: { host: LOOPBACK, port: invalidatorRedisPort as number } }
          : {}),
      },
      toxiproxy: {
        url: toxiproxyUrl,
        proxies: {
          redis: firstNode?.proxy ?? 'redis',
          ...(clusterNodes.length === 0 ? {} : { redisNodes: clusterNodes.map((node) => node.proxy) }),
          mysql: 'mysql',
          invalidatorMysql: 'invalidator-mysql',
          ...(clusterNodes.length === 0 ? { invalidatorRedis: 'invalidator-redis' } : {}),
          ...(replicaDirect === undefined
            ? {}
            : { mysqlReplica: 'mysql-replica', replication: 'replication' }),
        },
      },
    };
    if (clusterNodes.length > 0) await this.startCluster(clusterNodes);
    if (replicaDirect !== undefined) {
      await this.startReplication(mysqlDirect, replicaDirect, {
        host: LOOPBACK,
        port: replicationProxyPort as number,
      });
    }
  }

  /**
   * Points the replica at the primary through the `replication` proxy and starts it (GTID,
   * from the primary's position now), and keeps two small pools for {@link ReplicaControl}.
   */
  private async startReplication(primary: HostPort, replica: HostPort, link: HostPort): Promise<void> {
    const started = performance.now();
    const pool = (address: HostPort): mysql.Pool => {
      const created = mysql.createPool({
        ...address,
        user: MYSQL_USER,
        password: MYSQL_PASSWORD,
        database: MYSQL_DATABASE,
        connectionLimit: 2,
        connectTimeout: 2000,
      });
      this.replicaPools.push(created);
      return created;
    };
    const primaryPool = pool(primary);
    const replicaPool = pool(replica);
    await startReplicating(
      primaryPool,
      replicaPool,
      link,
      { user: MYSQL_USER, password: MYSQL_PASSWORD },
      START_TIMEOUT_MS,
    );
    this.replica = replicaControl(primaryPool, replicaPool);
    this.startupMs.replication = Math.round(performance.now() - started);
  }

  /**
   * Starts the cluster's nodes (after their proxies exist: the nodes announce the proxies'
   * addresses), creates the cluster with `redis-cli --cluster create` and waits until every
   * node serves all slots. `startupMs.redisCluster` covers all of it.
   */
  private async startCluster(nodes: ClusterNodeAddress[]): Promise<void> {
    const started = performance.now();
    const redisCli = await findRedisCli();
    const cluster = new LocalRedisCluster(this.dir, this.binaries.redisServer, nodes, () => this.writePids());
    this.redisCluster = cluster;
    await Promise.all(nodes.map((_, index) => cluster.startNode(index, START_TIMEOUT_MS)));
    await cluster.create(redisCli, START_TIMEOUT_MS);
    this.cluster = {
      roles: () => cluster.roles(),
      killNode: (index) => cluster.killNode(index),
      restartNode: async (index) => {
        if (cluster.pid(index) !== undefined) throw new Error(`cluster node ${index} is still running`);
        await cluster.startNode(index, START_TIMEOUT_MS);
      },
      waitHealthy: (timeoutMs) => cluster.waitHealthy(timeoutMs),
      pids: () => nodes.map((_, index) => cluster.pid(index)),
    };
    this.startupMs.redisCluster = Math.round(performance.now() - started);
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
    this.writePids();
    await waitUntil(
      `redis-server on ${address.host}:${address.port}`,
      () => redisPing(address.host, address.port),
      START_TIMEOUT_MS,
      this.redis,
    );
  }

  private async startMariadb(address: HostPort): Promise<void> {
    const started = performance.now();
    this.mariadbArgs = await this.mariadbArgsFor('primary', address);
    await this.spawnMariadb(address);
    this.startupMs.mariadb = Math.round(performance.now() - started);
  }

  /** The replica's mariadbd: its own copy of the data directory, server id 2, a relay log, no binlog. */
  private async startMariadbReplica(address: HostPort): Promise<void> {
    const started = performance.now();
    const args = await this.mariadbArgsFor('replica', address);
    this.mariadbReplica = spawnServer(
      'mariadbd (replica)',
      this.binaries.mariadbd,
      args,
      this.log('mariadb-replica.out'),
    );
    this.writePids();
    await this.waitForMariadb(address, this.mariadbReplica);
    this.startupMs.mariadbReplica = Math.round(performance.now() - started);
  }

  /**
   * Copies the initialised data directory for one server and returns its arguments. The
   * primary writes the row-based binary log (MySQL's own record of every committed row image:
   * the checker's lost writes are read from it, CDC invalidation and the replica follow it).
   */
  private async mariadbArgsFor(role: 'primary' | 'replica', address: HostPort): Promise<string[]> {
    const template = await mariadbTemplate(this.binaries, this.versions.mariadb ?? 'unknown');
    const name = role === 'primary' ? 'mariadb' : 'mariadb-replica';
    const datadir = join(this.dir, name);
    await cp(template, datadir, { recursive: true });
    const initFile = join(this.dir, 'init.sql');
    const args = [
      '--no-defaults',
      `--datadir=${datadir}`,
      `--port=${address.port}`,
      `--bind-address=${LOOPBACK}`,
      `--socket=${join(this.dir, `${name}.sock`)}`,
      `--pid-file=${join(this.dir, `${name}.pid`)}`,
      `--init-file=${initFile}`,
      '--skip-name-resolve',
      ...(role === 'primary'
        ? [
            `--log-bin=${join(this.dir, 'binlog')}`,
            '--binlog-format=ROW',
            '--binlog-row-image=FULL',
            '--server-id=1',
          ]
        : [
            '--server-id=2',
            `--relay-log=${join(this.dir, 'relay')}`,
            // Replication starts once the harness has pointed it at the primary.
            '--skip-slave-start',
            ...REPLICA_APPLY_ARGS,
          ]),
      '--innodb-buffer-pool-size=256M',
      '--max-connections=1000',
      `--log-error=${this.log(`${name}.log`)}`,
    ];
    if (process.getuid?.() === 0) args.push('--user=root');
    return args;
  }

  /** Starts mariadbd on the data directory already there (after a crash: InnoDB recovers it). */
  private async spawnMariadb(address: HostPort): Promise<void> {
    this.mariadb = spawnServer('mariadbd', this.binaries.mariadbd, this.mariadbArgs, this.log('mariadb.out'));
    this.writePids();
    await this.waitForMariadb(address, this.mariadb);
  }

  private async waitForMariadb(address: HostPort, owner: ManagedProcess): Promise<void> {
    await waitUntil(
      `${owner.name} on ${address.host}:${address.port}`,
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
      owner,
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
    this.writePids();
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

  /**
   * Lists every server started so far for the watchdog, synchronously right after a spawn:
   * an asynchronous write left a window in which a harness killed during start-up left servers
   * the list did not have yet (and two writes of parallel starts could land out of order).
   * Written whole and renamed over the old list, so the watchdog never reads half of it.
   */
  private writePids(): void {
    const pids = this.owned()
      .map((p) => p?.child.pid)
      .filter((pid): pid is number => pid !== undefined);
    const temporary = `${this.pidFile}.tmp`;
    writeFileSync(temporary, pids.join('\n'));
    renameSync(temporary, this.pidFile);
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
        ...(this.topology.db === 'primary-replica'
          ? { mysqlReplica: this.mariadbReplica?.isRunning() ? this.mariadbReplica.child.pid : undefined }
          : {}),
        ...Object.fromEntries(
          (this.cluster?.pids() ?? []).map((pid, index) => [`redisNode${index}`, pid] as const),
        ),
      }),
    };
  }

  /** Every server process this environment started (some may be undefined or gone). */
  private owned(): (ManagedProcess | undefined)[] {
    return [
      this.toxiproxy,
      this.redis,
      this.mariadb,
      this.mariadbReplica,
      ...(this.redisCluster?.owned() ?? []),
    ];
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      // The pools first: their connections would otherwise see the servers die under them.
      await Promise.all(this.replicaPools.map((pool) => pool.end().catch(() => undefined)));
      await Promise.all(this.owned().map((p) => (p === undefined ? undefined : killAndWait(p))));
      await rm(this.dir, { recursive: true, force: true });
      if (this.reaper.pid !== undefined) signalQuietly(this.reaper.pid, 'SIGKILL');
      liveEnvironments.delete(this);
    })();
    return this.stopping;
  }

  /** Synchronous last resort from the process 'exit' hook. */
  killNow(): void {
    for (const process_ of this.owned()) {
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
 * created) and Toxiproxy with proxies `redis` and `mysql` (and `invalidator-mysql`,
 * `invalidator-redis` for the CDC invalidator's own links), each on a free loopback port. With
 * `dbTopology: 'primary-replica'` also a second mariadbd replicating from the first (GTID,
 * row-based) through the proxy `replication`, and a proxy `mysql-replica` in front of it.
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
