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
  redis: { direct: HostPort; proxied: HostPort; db: number };
  mysql: { direct: HostPort; proxied: HostPort } & MysqlAccess;
  toxiproxy: { url: string; proxies: { redis: string; mysql: string } };
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
  /** PIDs of every process the environment started (for leak checks). `undefined` when not running. */
  pids(): { redis: number | undefined; mysql: number | undefined; toxiproxy: number | undefined };
}

export type EnvironmentKind = 'local' | 'external' | 'docker';

export type RedisPersistence = 'none' | 'everysec' | 'always';

/** A started environment. `stop()` is idempotent and releases everything the environment started. */
export interface Environment {
  readonly kind: EnvironmentKind;
  readonly endpoints: ServiceEndpoints;
  /** Present when the environment owns the processes (local, docker). */
  readonly processes: ProcessControl | undefined;
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
}
