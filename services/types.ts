/** A TCP address on loopback (or, for `external`, wherever the user points us). */
export interface HostPort {
  host: string;
  port: number;
}

/** How to reach MySQL/MariaDB: credentials and the benchmark database. */
export interface MysqlAccess {
  user: string;
  password: string;
  database: string;
}

/**
 * Typed connection details of a running environment. `direct` bypasses Toxiproxy
 * (no faults reach it); `proxied` goes through the Toxiproxy proxy named in `toxiproxy.proxies`.
 */
export interface ServiceEndpoints {
  /** `db`: the Redis database index every connection SELECTs (external: the URL's path; else 0). */
  redis: { direct: HostPort; proxied: HostPort; db: number; cluster?: { nodes: RedisClusterNode[] } };
  /** The MySQL primary: every write, the final snapshot and the binlog evidence go here. */
  mysql: { direct: HostPort; proxied: HostPort } & MysqlAccess;
  /**
   * The MySQL replica of the `primary-replica` topology (same user, password and database as
   * `mysql`); absent in the `single` topology. Strategies read from it on a miss under
   * `readFrom: 'replica'`.
   */
  mysqlReplica?: { direct: HostPort; proxied: HostPort };
  /**
   * The CDC invalidator's own links (local only): its binlog/MySQL connection and its Redis
   * connection each through a Toxiproxy proxy of their own (`invalidator-mysql`,
   * `invalidator-redis`), so the invalidator faults cut or slow them without touching the
   * application's links. Absent (and `redis` absent in the `cluster` topology): the invalidator
   * shares the application's route.
   */
  invalidator?: { mysql: HostPort; redis?: HostPort };
  toxiproxy: { url: string; proxies: ToxiproxyProxies };
}

/**
 * The Toxiproxy proxy of each link, by the fault target that names it. `mysqlReplica` carries
 * the strategies' replica reads, `replication` the replica's own connection to the primary
 * (its I/O thread), where `replica-lag` acts; both exist only with a replica.
 */
export interface ToxiproxyProxies {
  redis: string;
  mysql: string;
  mysqlReplica?: string;
  replication?: string;
  /** The CDC invalidator's MySQL (binlog) link and its Redis link; local environment only. */
  invalidatorMysql?: string;
  invalidatorRedis?: string;
  /**
   * The `cluster` topology's proxy in front of each Redis node (`redis` is then the first of
   * them); Redis toxic faults act on all of them.
   */
  redisNodes?: string[];
}

/**
 * One node of a Redis Cluster. `proxied` is what the node announces (`cluster-announce-ip`,
 * `cluster-announce-port`): clients following a MOVED redirection reach it through Toxiproxy.
 * `direct` is for the harness (its client maps announced addresses back with a NAT map).
 */
export interface RedisClusterNode {
  direct: HostPort;
  proxied: HostPort;
}

/** A cluster node's `ROLE` as the harness saw it; `linkUp`: a replica's link to its master is connected. */
export interface RedisNodeRole {
  index: number;
  role: 'master' | 'replica' | 'down';
  linkUp: boolean;
}

/** Control of the local Redis Cluster's node processes (`cluster` topology, local environment). */
export interface ClusterControl {
  /** The nodes, by index (the order of `endpoints.redis.cluster.nodes`). */
  roles(): Promise<RedisNodeRole[]>;
  /** SIGKILL one node; its replica is promoted after the cluster node timeout if it was a master. */
  killNode(index: number): Promise<void>;
  /** Starts a killed node again on its ports and `nodes.conf`: a replaced master rejoins as a replica. */
  restartNode(index: number): Promise<void>;
  /** Resolves once every running node says `cluster_state:ok`, all slots served, every replica linked. */
  waitHealthy(timeoutMs: number): Promise<void>;
  /** The PID of each node (undefined when not running), by index. */
  pids(): (number | undefined)[];
}

/** How MySQL is laid out: one server, or a primary with one replica replicating from it (GTID, row-based). */
export type DbTopology = 'single' | 'primary-replica';
/** How Redis is laid out: one server, or a Redis Cluster of three masters with one replica each. */
export type CacheTopology = 'single' | 'cluster';

/** The shape of the system under test an environment provides. */
export interface EnvironmentTopology {
  db: DbTopology;
  cache: CacheTopology;
}

/** Where the replica stands, from its own `SHOW SLAVE STATUS`. */
export interface ReplicaStatus {
  /** `Slave_IO_Running`: `Yes`, `No` or `Connecting` (the I/O thread reads the primary's binlog). */
  ioRunning: string;
  /** `Slave_SQL_Running`: `Yes` or `No` (the SQL thread applies what the I/O thread relayed). */
  sqlRunning: boolean;
  /** `Seconds_Behind_Master`, whole seconds; null when the SQL thread is not running. */
  secondsBehindMaster: number | null;
  /** The last I/O or SQL error, '' when none. */
  lastError: string;
}

/** SQL-level control of the replica (the replication link's toxics are Toxiproxy's business). */
export interface ReplicaControl {
  status(): Promise<ReplicaStatus>;
  /** `STOP SLAVE SQL_THREAD`: the replica still receives the primary's binlog but applies nothing. */
  stopApplier(): Promise<void>;
  /** `START SLAVE SQL_THREAD` (and the I/O thread, should it have stopped); harmless when running. */
  startReplication(): Promise<void>;
  /**
   * Waits until the replica has applied everything the primary had logged when called
   * (`MASTER_GTID_WAIT`); false when `timeoutMs` passed first.
   */
  waitForCatchUp(timeoutMs: number): Promise<boolean>;
}

/**
 * A background invalidator a strategy runs in this process (cdc-invalidate's binlog reader):
 * what `invalidator-crash` kills and restarts, and where the run marks its measured load and
 * its fault windows for the lag.
 */
export interface InvalidatorControl {
  /** True between {@link crash} and {@link restart}. */
  readonly crashed: boolean;
  /** The binlog position its last start (or restart) began reading at. */
  readonly resumedFrom: { file: string; pos: number } | undefined;
  /** Hard stop: in-memory state and any position not yet saved are lost. */
  crash(): Promise<void>;
  /** Starts again from the saved position. */
  restart(): Promise<void>;
  /** The measured load starts: the lag measured before it is forgotten. */
  resetLag(): void;
  /** A fault of the run started or healed (run clock, ns). */
  noteFault(id: string, phase: 'start' | 'heal', atNs: number): void;
}

/** Process-level primitives for chaos; only environments that own the processes offer them. */
export interface ProcessControl {
  /** SIGKILL redis-server; commands fail until {@link restartRedis}. */
  crashRedis(): Promise<void>;
  /** Start redis-server again on the same port (with the same persistence settings). */
  restartRedis(): Promise<void>;
  /** Redis `SAVE`: writes an RDB snapshot into its data directory, which a restart loads (without AOF). */
  snapshotRedis(): Promise<void>;
  /** SIGKILL mariadbd; queries fail until {@link restartMysql}. */
  crashMysql(): Promise<void>;
  /** Start mariadbd again on the same port and data directory: InnoDB crash recovery replays its redo log. */
  restartMysql(): Promise<void>;
  /** The servers' data directories (Redis: its AOF/RDB; MariaDB: its InnoDB files), which restarts keep. */
  dataDirs(): { redis: string; mysql: string };
  /** SIGSTOP redis-server: connections stay open, nothing is answered. */
  pauseRedis(): Promise<void>;
  resumeRedis(): Promise<void>;
  pauseMysql(): Promise<void>;
  resumeMysql(): Promise<void>;
  /**
   * PIDs of every process the environment started (for leak checks). `undefined` when not
   * running; `mysqlReplica` only in the `primary-replica` topology; in the `cluster` cache
   * topology `redis` is undefined (there is no single redis-server) and `redisNode0`… name
   * the cluster's nodes.
   */
  pids(): {
    redis: number | undefined;
    mysql: number | undefined;
    toxiproxy: number | undefined;
    mysqlReplica?: number | undefined;
  } & Partial<Record<`redisNode${number}`, number | undefined>>;
}

/** One application worker killed by a fault. */
export interface AppCrash {
  /** The worker slot (0 … workers-1) whose process was killed. */
  readonly slot: number;
  readonly pid: number;
  /** Operations it held in flight at the kill (recorded `info`). */
  readonly inFlight: number;
}

/**
 * The application's worker processes as a fault sees them (the workers driver implements it).
 * A slot is one application instance: its process may be killed and replaced.
 */
export interface AppProcessControl {
  /**
   * SIGKILLs the process of `slot` once it holds an operation in flight (waiting a bounded
   * time for one), and resolves when it has exited.
   */
  crashWorker(slot: number): Promise<AppCrash>;
  /** Starts a replacement in every slot whose process was killed; resolves once each serves. */
  replaceCrashed(): Promise<void>;
  /** Slots whose process was killed and not replaced while the application runs (empty after the load). */
  crashedSlots(): number[];
  /** The live worker processes by name (`worker 0`, …, and `worker standby`), for the CPU budget. */
  workerPids(): Record<string, number | undefined>;
}

export type EnvironmentKind = 'local' | 'external' | 'docker';

export type RedisPersistence = 'none' | 'everysec' | 'always';

/** A started environment. `stop()` is idempotent and releases everything the environment started. */
export interface Environment {
  readonly kind: EnvironmentKind;
  readonly endpoints: ServiceEndpoints;
  /** Present when the environment owns the processes (local, docker). */
  readonly processes: ProcessControl | undefined;
  /** What the environment runs: one MySQL or a primary and a replica; one Redis. */
  readonly topology: EnvironmentTopology;
  /** Present in the `primary-replica` topology. */
  readonly replica?: ReplicaControl;
  /** Present in the `cluster` cache topology of the local environment. */
  readonly cluster?: ClusterControl;
  /** Server versions, for the result's `run.env.versions`. */
  readonly versions: Record<string, string>;
  /** Milliseconds each service took to become ready (local: measured). */
  readonly startupMs: Record<string, number>;
  stop(): Promise<void>;
}

/** Options for bringing up the local environment. */
export interface LocalEnvironmentOptions {
  /** Redis AOF: 'none' (default, no persistence), 'everysec' or 'always'. */
  redisPersistence?: RedisPersistence;
  /** Redis `maxmemory` in bytes; unset means unlimited. */
  redisMaxMemoryBytes?: number;
  /** `primary-replica`: a second mariadbd replicating from the first through Toxiproxy. Default `single`. */
  dbTopology?: DbTopology;
  /** `cluster`: six cluster-mode redis-servers (three masters, one replica each) behind Toxiproxy. Default `single`. */
  cacheTopology?: CacheTopology;
}
