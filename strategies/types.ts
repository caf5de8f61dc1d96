import type { InvalidatorControl, ServiceEndpoints } from '../services/types.ts';
import type { RedisClient } from './redis-client.ts';

export type { InvalidatorControl } from '../services/types.ts';

/** Where a read was served from. */
export type ReadSource = 'cache' | 'db';

/** A read's outcome: the version seen (with its payload), or the key absent everywhere. */
export type ReadResult =
  | { found: true; version: number; payload: Uint8Array; source: ReadSource }
  | { found: false; source: ReadSource };

/** A write's outcome: the new, strictly larger version of the key. */
export interface WriteResult {
  version: number;
}

/**
 * The contract every caching pattern implements (README "Adding a strategy").
 * `opId` is optional and only used to tie step-trace events and pause points to the
 * operation that caused them; strategies must pass it through untouched.
 * Errors are thrown, never swallowed: the driver records a thrown operation as `info`.
 */
export interface CacheStrategy {
  readonly name: string;
  read(key: number, opId?: number): Promise<ReadResult>;
  write(key: number, payload: Uint8Array, opId?: number): Promise<WriteResult>;
  /** Background work: a write-behind flusher, a CDC listener. */
  start?(): Promise<void>;
  /** Finish pending background work before the final snapshot. */
  drain?(): Promise<void>;
  /**
   * Wait until background work has received everything it will act on and is idle or held at
   * a pause point, without doing it (the explorer calls it between steps: cdc-invalidate's
   * binlog stream delivers events asynchronously).
   */
  settle?(): Promise<void>;
  /**
   * The strategy's background invalidator (cdc-invalidate), which the invalidator faults and
   * the run's measurement reach; absent for strategies without one.
   */
  readonly invalidator?: InvalidatorControl;
  /** Client settings that change fault behaviour, recorded in the result. */
  describe(): StrategyDescription;
  /** Counters since the strategy was built (monotonic; the driver takes differences). */
  stats(): StrategyStats;
  close(): Promise<void>;
}

/** What a strategy reports about itself for `run.strategyConfig` in the result. */
export interface StrategyDescription {
  name: string;
  summary: string;
  options: Record<string, string | number | boolean | null>;
}

/** Work a strategy sent to its services. */
export interface StrategyStats {
  /** Statements sent to MySQL (reads, writes, flush batches). */
  dbQueries: number;
  /** Commands sent to Redis. */
  redisCommands: number;
  /**
   * A pattern's own counters (monotonic unless the name says otherwise, e.g. `cdcLagMaxMs`):
   * lease waits that saved a MySQL read, fills a version guard refused, binlog events applied.
   */
  counters?: Readonly<Record<string, number>>;
}

/** Every step a strategy can take against Redis or MySQL (the one list; step traces code them by index). */
export const STEP_KINDS = [
  'cache-get-hit',
  'cache-get-miss',
  'cache-set',
  'cache-del',
  'db-read',
  'db-write',
  'queue-push',
  'flush',
  'cache-set-refused',
  'binlog-event',
] as const;
export type StepKind = (typeof STEP_KINDS)[number];

/** One traced step. `at` is monotonic nanoseconds (the same clock as the history). */
export interface StepEvent {
  step: StepKind;
  key: number;
  /** Version involved, or -1 when none (a delete, an absent row). */
  version: number;
  at: number;
  /** The operation that caused the step, when the caller passed one (-1 for background work). */
  opId: number;
}

/** Receives step events. When no tracer is attached, a strategy pays one null check per step. */
export interface StepTracer {
  /** Only keys for which this returns true are traced (cheap sampling). */
  wants(key: number): boolean;
  record(event: StepEvent): void;
}

/** Named places inside a strategy where a test can hold one operation. */
export type PausePoint =
  | 'after-cache-miss'
  | 'after-db-read'
  | 'before-cache-set'
  | 'before-db-write'
  | 'after-db-write'
  | 'before-cache-delete'
  | 'after-cache-delete'
  | 'before-flush'
  /** delayed-double-delete: the scheduled second delete, just before it runs (opId of the write). */
  | 'before-second-delete'
  /** cdc-invalidate: the invalidator holds a binlog row event before it touches the cache (opId -1). */
  | 'before-invalidate'
  /**
   * lease, tag-as-deleted: a reader found another reader's lease or lock and is about to sleep
   * and ask again. A reader waiting here changes nothing until someone else has acted.
   */
  | 'lock-wait';

/**
 * The hook strategies call at each pause point. Returns undefined (carry on) or a promise
 * the strategy awaits before continuing. When none is attached the cost is a null check.
 */
export type PauseHook = (point: PausePoint, key: number, opId: number) => Promise<void> | undefined;

/** ioredis and mysql2 settings that decide how a strategy behaves under faults. */
export interface ClientOptions {
  /** ioredis `commandTimeout` in ms (0 = none). */
  redisCommandTimeoutMs: number;
  /** ioredis `maxRetriesPerRequest` (null = retry forever, which a benchmark must not do). */
  redisMaxRetriesPerRequest: number;
  /** ioredis `enableOfflineQueue`: queue commands while disconnected. */
  redisEnableOfflineQueue: boolean;
  /**
   * ioredis `enableAutoPipelining`: commands issued in the same event-loop tick go out in one
   * write (order on the connection unchanged); the harness's ceiling needs it.
   */
  redisAutoPipelining: boolean;
  /** ioredis `connectTimeout` in ms. */
  redisConnectTimeoutMs: number;
  /** mysql2 pool `connectionLimit`. */
  mysqlPoolSize: number;
  /** mysql2 `connectTimeout` in ms. */
  mysqlConnectTimeoutMs: number;
  /** Per-query timeout in ms (mysql2 `timeout` query option). */
  mysqlQueryTimeoutMs: number;
}

/** What a read does when its cache step fails: fail (the read is `info`), or read MySQL instead (a degraded read). */
export type CacheErrorPolicy = 'fail' | 'fallback';
/**
 * What a write does when its invalidation (a cache delete) fails: fail (the write is `info`;
 * MySQL may have committed), or acknowledge it and retry the delete in the background.
 */
export type InvalidationErrorPolicy = 'fail' | 'retry';

/** The application's error policy, wrapped around the steps (strategies/steps.ts), not the patterns. */
export interface ErrorPolicy {
  onCacheError: CacheErrorPolicy;
  onInvalidationError: InvalidationErrorPolicy;
}

/** Retries an invalidation that failed, in the background (strategies/invalidation-retry.ts). */
export interface InvalidationRetrier {
  /** Schedules `attempt` for `key` (a newer attempt for a key already queued replaces it). */
  enqueue(key: number, attempt: () => Promise<void>): void;
  /** Retries everything queued at once and waits until the queue is empty or `timeoutMs` passed. */
  drain(timeoutMs: number): Promise<void>;
  /** Counters: `invalidationsQueued`, `invalidationRetries`, `invalidationsHealed`, `invalidationsAbandoned`. */
  counters(): Record<string, number>;
  /** Drops whatever is queued (a process that stops loses its queue). */
  close(): void;
}

/**
 * Work a pattern schedules to run after an operation returned (delayed-double-delete's
 * second delete). The default runs it on a timer of the strategy's process, so it dies with
 * the process; the explorer steps it as an operation of its own instead.
 */
export interface DeferredWork {
  /** Runs `task` about `delayMs` from now; the promise settles once it ran, failed or was dropped. */
  after(delayMs: number, task: () => Promise<void>): Promise<void>;
  /** Drops every task not started yet (their promises settle). */
  dropPending(): void;
}

/** Labels of the work a read or a write defers (see `StrategyEntry.deferredSteps`). */
export interface DeferredSteps {
  read?: string;
  write?: string;
}

/**
 * Which MySQL server answers a strategy's reads (a miss's SELECT, db-only's reads): the
 * primary, or its replica (`primary-replica` topology), as services do to offload the primary.
 * Writes, write-behind's version seed and CDC's binlog always use the primary.
 */
export type ReadFrom = 'primary' | 'replica';

/** Everything a strategy factory gets. */
export interface StrategyContext {
  endpoints: ServiceEndpoints;
  /** true: connect through the Toxiproxy proxies (faults reach the strategy); false: directly. */
  viaProxy: boolean;
  /** Where reads go; unset = the primary. `replica` needs `endpoints.mysqlReplica`. */
  readFrom?: ReadFrom;
  clients: ClientOptions;
  /** Cache entry TTL in seconds; 0 = no expiry (default). */
  ttlSeconds: number;
  /** Write-behind: how often the flusher runs, and how many queued writes per batch. */
  flushIntervalMs: number;
  flushBatchSize: number;
  tracer: StepTracer | undefined;
  pause: PauseHook | undefined;
  /**
   * A pattern's own options by name (e.g. `delayMs`, `singleFlight`, `consistency`); each
   * factory reads the ones it knows, with its defaults, and records them in `describe()`.
   * Unset = every default. An option a pattern does not know is ignored.
   */
  strategyOptions?: Readonly<Record<string, string | number | boolean>>;
  /** Unset = fail on every error (the patterns as written). */
  errorPolicy?: ErrorPolicy;
  /**
   * Where failed invalidations go under `onInvalidationError: 'retry'`; unset = a queue of the
   * strategy's own. The run drains it before the final snapshot.
   */
  invalidationRetrier?: InvalidationRetrier;
  /** Monotonic nanoseconds, shared with the history recorder. */
  now: () => number;
  /** Where deferred work runs; unset = timers of this process (strategies/deferred-work.ts). */
  deferredWork?: DeferredWork;
}

/**
 * How the final snapshot, the probes, the races and the explorer read a pattern's cache: for
 * each id, the version a reader would be served from the cache without reading MySQL (0 =
 * none). The default is the entry's own version; tag-as-deleted in strong mode serves a
 * marked entry to nobody (docs/definitions.md "Divergent keys").
 */
export type CacheView = (redis: RedisClient, ids: readonly number[]) => Promise<number[]>;

/** An option of a pattern's mechanism (`--strategy-option name=value`), checked before anything starts. */
export type StrategyOptionSpec =
  | { name: string; kind: 'number' | 'boolean' | 'string' }
  | { name: string; kind: 'choice'; choices: readonly string[] };

/** Builds a connected strategy. */
export type StrategyFactory = (context: StrategyContext) => Promise<CacheStrategy>;

/** A registry entry: the CLI name, one line for `--list`, what it is, and the factory. */
export interface StrategyEntry {
  name: string;
  summary: string;
  /** False for a strategy without a cache (db-only): no hit ratio, no cache step to hold at. */
  usesCache: boolean;
  /** The control every other strategy is measured against (correct by construction; db-only). */
  isControl: boolean;
  /**
   * False when a read right after an acknowledged write may still see the older version by
   * design (cdc-invalidate: the invalidator lags the commit); sequential tests then wait
   * for the write to become visible instead of expecting it at once. Unset = true.
   */
  readsOwnWrites?: boolean;
  /**
   * True when the strategy runs a background invalidator in the application's process
   * (cdc-invalidate): the invalidator faults act on it and are refused for other strategies.
   */
  hasInvalidator?: boolean;
  /**
   * What an operation leaves to run later through {@link DeferredWork} under `options`, by
   * the kind of operation that schedules it (delayed-double-delete: a write's `second
   * delete`; tag-as-deleted in weak mode: a read's `background refill`); unset = nothing.
   * The explorer makes each an operation of its own, one per operation of that kind.
   */
  deferredSteps?: (options: Readonly<Record<string, string | number | boolean>>) => DeferredSteps;
  /** The options the pattern reads (`--strategy-option`); unset = none. */
  options?: readonly StrategyOptionSpec[];
  /** The pattern's {@link CacheView} under its options; unset = the entries' own versions. */
  cacheView?: (options: Readonly<Record<string, string | number | boolean>>) => CacheView;
  factory: StrategyFactory;
}
