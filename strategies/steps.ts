import type { Pool } from 'mysql2/promise';
import { type CacheEntry, cacheKey, decodeEntry, encodeEntry } from './cache-codec.ts';
import { closeRedis, connectMysql, connectMysqlReader, connectRedis, StatsCounter } from './clients.ts';
import { type DbItem, type ItemStore, readItem, writeVersioned } from './db-access.ts';
import { InvalidationRetryQueue } from './invalidation-retry.ts';
import type { RedisClient } from './redis-client.ts';
import type {
  ErrorPolicy,
  InvalidationRetrier,
  PauseHook,
  PausePoint,
  ReadFrom,
  ReadResult,
  StepKind,
  StepTracer,
  StrategyContext,
  StrategyDescription,
  StrategyStats,
} from './types.ts';
import { versionedDelete, versionedSet } from './versioned-cache.ts';

/** How a read that missed stores the row it read: a plain SET, or a guarded one that may refuse. */
export type FillStep = (key: number, version: number, payload: Uint8Array, opId: number) => Promise<unknown>;

/** Step-level options a pattern chooses (read from `StrategyContext.strategyOptions` by the pattern). */
export interface StepOptions {
  /** One fill per key per process at a time: concurrent misses of a key share one MySQL read. */
  singleFlight: boolean;
}

/** The MySQL pools of a strategy: the primary's (writes, and reads unless `read` is set) and the reads' own. */
export interface StepPools {
  primary: Pool;
  /** The replica's pool under `readFrom: 'replica'`; undefined: reads use the primary's. */
  read?: Pool | undefined;
}

/**
 * The Redis and MySQL steps the patterns are made of, each one counted, traced when a
 * tracer wants the key, and nothing more: the order of the steps is the pattern, and it
 * stays visible in each pattern's file.
 */
export class StrategySteps {
  readonly counter = new StatsCounter();
  /** The primary: every write, write-behind's version seed, CDC's binlog position. */
  readonly store: ItemStore;
  /**
   * Where {@link dbRead} goes: the primary's store, or the replica's under `readFrom: 'replica'`
   * (the one place a pattern's reads are routed; no pattern chooses for itself).
   */
  readonly readStore: ItemStore;
  readonly readFrom: ReadFrom;
  private readonly tracer: StepTracer | undefined;
  private readonly pauseHook: PauseHook | undefined;
  private readonly now: () => number;
  private readonly ttlSeconds: number;
  private readonly singleFlight: boolean;
  /** Fills in flight by key, when single-flight is on. */
  private readonly flights = new Map<number, Promise<ReadResult>>();
  /** The pattern's own counters, reported in `stats().counters`. */
  readonly own: Record<string, number> = {};
  /** Set under `onCacheError: 'fallback'`: a read whose cache step fails is served from MySQL. */
  private readonly fallback: boolean;
  /** Set under `onInvalidationError: 'retry'`: a failed delete is acknowledged and queued here. */
  private readonly retrier: InvalidationRetrier | undefined;
  private closed = false;

  constructor(
    context: StrategyContext,
    pools: Pool | StepPools,
    private readonly redisClient: RedisClient | undefined,
    options: StepOptions = { singleFlight: false },
  ) {
    this.singleFlight = options.singleFlight;
    const { primary, read } = 'primary' in pools ? pools : { primary: pools, read: undefined };
    const queryTimeoutMs = context.clients.mysqlQueryTimeoutMs;
    this.store = { pool: primary, queryTimeoutMs, counter: this.counter };
    this.readStore = read === undefined ? this.store : { pool: read, queryTimeoutMs, counter: this.counter };
    this.readFrom = read === undefined ? 'primary' : 'replica';
    this.tracer = context.tracer;
    this.pauseHook = context.pause;
    this.now = context.now;
    this.ttlSeconds = context.ttlSeconds;
    const policy = errorPolicyOf(context);
    this.fallback = policy.onCacheError === 'fallback';
    if (policy.onInvalidationError === 'retry') {
      this.retrier = context.invalidationRetrier ?? new InvalidationRetryQueue();
    }
  }

  /** Releases the Redis connection and the MySQL pool (idempotent). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.retrier?.close();
    if (this.redisClient !== undefined) await closeRedis(this.redisClient);
    await this.store.pool.end();
    if (this.readStore !== this.store) await this.readStore.pool.end();
  }

  /** The Redis connection; only cache patterns have one. */
  get redis(): RedisClient {
    if (this.redisClient === undefined) throw new Error('this strategy has no Redis connection');
    return this.redisClient;
  }

  /** Adds `by` to the pattern counter `name`. */
  bump(name: string, by = 1): void {
    this.own[name] = (this.own[name] ?? 0) + by;
  }

  /** `stats()`: statements and commands sent, plus the pattern's own counters when it has any. */
  stats(): StrategyStats {
    const base = this.counter.snapshot();
    const counters = { ...this.own, ...this.retrier?.counters() };
    return Object.keys(counters).length === 0 ? base : { ...base, counters };
  }

  /** Cache TTL in milliseconds (0 = none). */
  get ttlMs(): number {
    return this.ttlSeconds * 1000;
  }

  /** Records a step when a tracer is attached and wants the key. */
  trace(step: StepKind, key: number, version: number, opId: number): void {
    const tracer = this.tracer;
    if (tracer?.wants(key)) {
      tracer.record({ step, key, version, at: this.now(), opId });
    }
  }

  /** The pause hook's promise at `point`, or undefined to carry on (`if (p) await p`). */
  pause(point: PausePoint, key: number, opId: number): Promise<void> | undefined {
    return this.pauseHook?.(point, key, opId);
  }

  /**
   * Runs `step` between the pause points `before-<point>` and `after-<point>`, where tests,
   * the races and the explorer can hold an operation (a no-op without a pause hook).
   */
  async between<T>(
    point: 'db-write' | 'cache-delete',
    key: number,
    opId: number,
    step: () => Promise<T>,
  ): Promise<T> {
    let p = this.pause(`before-${point}`, key, opId);
    if (p) await p;
    const value = await step();
    p = this.pause(`after-${point}`, key, opId);
    if (p) await p;
    return value;
  }

  /** GET `item:{key}`: the decoded entry on a hit, undefined on a miss. */
  async cacheGet(key: number, opId: number): Promise<CacheEntry | undefined> {
    this.counter.redisCommands++;
    const value = await this.redis.getBuffer(cacheKey(key));
    if (value === null) {
      this.trace('cache-get-miss', key, -1, opId);
      return undefined;
    }
    const entry = decodeEntry(value);
    this.trace('cache-get-hit', key, entry.version, opId);
    return entry;
  }

  /** SET `item:{key}` to (version, payload), with the context's TTL when there is one. */
  async cacheSet(key: number, version: number, payload: Uint8Array, opId: number): Promise<void> {
    this.counter.redisCommands++;
    const value = encodeEntry(version, payload);
    if (this.ttlSeconds > 0) {
      await this.redis.set(cacheKey(key), value, 'EX', this.ttlSeconds);
    } else {
      await this.redis.set(cacheKey(key), value);
    }
    this.trace('cache-set', key, version, opId);
  }

  /**
   * The version-guarded SET (see versioned-cache.ts): stored only when newer than the cached
   * entry and not older than the key's tombstone. Returns whether it was stored.
   */
  async cacheSetVersioned(key: number, version: number, payload: Uint8Array, opId: number): Promise<boolean> {
    this.counter.redisCommands++;
    const stored = await versionedSet(this.redis, key, version, payload, this.ttlMs);
    this.trace(stored ? 'cache-set' : 'cache-set-refused', key, version, opId);
    if (!stored) this.bump('versionedSetsRefused');
    return stored;
  }

  /** The versioned delete: DEL unless the entry is already at `version`, and a tombstone at `version`. */
  async cacheDeleteVersioned(
    key: number,
    version: number,
    tombstoneTtlMs: number,
    opId: number,
  ): Promise<void> {
    await this.invalidate(key, version, opId, () =>
      versionedDelete(this.redis, key, version, tombstoneTtlMs),
    );
  }

  /** DEL `item:{key}`. */
  async cacheDelete(key: number, opId: number): Promise<void> {
    await this.invalidate(key, -1, opId, async () => {
      await this.redis.del(cacheKey(key));
    });
  }

  /**
   * Runs an invalidation under the error policy: on failure it throws (`fail`), or queues
   * `command` for a background retry and returns as if it had succeeded (`retry`). A retry
   * that succeeds is traced as a background step (opId -1).
   */
  private async invalidate(
    key: number,
    version: number,
    opId: number,
    command: () => Promise<unknown>,
  ): Promise<void> {
    this.counter.redisCommands++;
    try {
      await command();
    } catch (error) {
      if (this.retrier === undefined) throw error;
      this.retrier.enqueue(key, async () => {
        this.counter.redisCommands++;
        await command();
        this.trace('cache-del', key, version, -1);
      });
      return;
    }
    this.trace('cache-del', key, version, opId);
  }

  /** SELECT the row of `key` (undefined when absent), from the primary or, under `readFrom: 'replica'`, the replica. */
  async dbRead(key: number, opId: number): Promise<DbItem | undefined> {
    const item = await readItem(this.readStore, key);
    if (this.readStore !== this.store) this.bump('replicaReads');
    this.trace('db-read', key, item === undefined ? -1 : item.version, opId);
    return item;
  }

  /** The versioned upsert; returns the version MySQL assigned. */
  async dbWrite(key: number, payload: Uint8Array, opId: number): Promise<number> {
    const version = await writeVersioned(this.store, key, payload);
    this.trace('db-write', key, version, opId);
    return version;
  }

  /**
   * The read every cache pattern here shares: GET; on a miss SELECT from MySQL and store the
   * row with `fill` (a plain SET by default). Between the SELECT and the SET a concurrent
   * write can commit — the window the stale-fill races of the article live in (pause points
   * `after-cache-miss`, `after-db-read`, `before-cache-set`). With single-flight on, a miss
   * while a fill of the same key is in flight in this process waits for that fill instead.
   */
  async readThrough(key: number, opId: number, fill?: FillStep): Promise<ReadResult> {
    let cached: CacheEntry | undefined;
    try {
      cached = await this.cacheGet(key, opId);
    } catch (error) {
      if (!this.fallback) throw error;
      return this.degradedRead(key, opId);
    }
    if (cached !== undefined) {
      return { found: true, version: cached.version, payload: cached.payload, source: 'cache' };
    }
    if (!this.singleFlight) return this.fillFromDb(key, opId, fill);
    const inFlight = this.flights.get(key);
    if (inFlight !== undefined) {
      this.bump('singleFlightJoined');
      return inFlight;
    }
    const flight = this.fillFromDb(key, opId, fill).finally(() => this.flights.delete(key));
    this.flights.set(key, flight);
    return flight;
  }

  /** A miss's fill: SELECT, then `fill` (default: SET), with the stale-fill pause points. */
  private async fillFromDb(key: number, opId: number, fill?: FillStep): Promise<ReadResult> {
    let p = this.pause('after-cache-miss', key, opId);
    if (p) await p;
    const item = await this.dbRead(key, opId);
    p = this.pause('after-db-read', key, opId);
    if (p) await p;
    if (item === undefined) return servedFromDb(undefined);
    p = this.pause('before-cache-set', key, opId);
    if (p) await p;
    try {
      if (fill === undefined) {
        await this.cacheSet(key, item.version, item.payload, opId);
      } else {
        await fill(key, item.version, item.payload, opId);
      }
    } catch (error) {
      if (!this.fallback) throw error;
      this.bump('degradedReads');
    }
    return servedFromDb(item);
  }

  /** `onCacheError: 'fallback'`: the cache step failed, so the row is read from MySQL and not cached. */
  private async degradedRead(key: number, opId: number): Promise<ReadResult> {
    this.bump('degradedReads');
    return servedFromDb(await this.dbRead(key, opId));
  }
}

/** A read served by MySQL: the row it found, or absent. */
export function servedFromDb(item: DbItem | undefined): ReadResult {
  return item === undefined
    ? { found: false, source: 'db' }
    : { found: true, version: item.version, payload: item.payload, source: 'db' };
}

/** The context's error policy; unset = fail on every error. */
export function errorPolicyOf(context: StrategyContext): ErrorPolicy {
  return context.errorPolicy ?? { onCacheError: 'fail', onInvalidationError: 'fail' };
}

/**
 * Connects what a pattern needs: the MySQL pool always, the Redis connection when
 * `withRedis`. Fails (and releases what it opened) when a service is unreachable.
 */
export async function openSteps(
  context: StrategyContext,
  withRedis: boolean,
  options?: StepOptions,
): Promise<StrategySteps> {
  const primary = await connectMysql(context);
  const opened: { end(): Promise<void> }[] = [primary];
  try {
    const read = await connectMysqlReader(context);
    if (read !== undefined) opened.push(read);
    const redis = withRedis ? await connectRedis(context) : undefined;
    return new StrategySteps(context, { primary, read }, redis, options);
  } catch (error) {
    await Promise.all(opened.map((pool) => pool.end().catch(() => undefined)));
    throw error;
  }
}

/** `describe()` for a pattern: its client options, TTL and route, plus its own options. */
export function describeStrategy(
  name: string,
  summary: string,
  context: StrategyContext,
  own: Record<string, string | number | boolean | null> = {},
): StrategyDescription {
  return {
    name,
    summary,
    options: {
      ...context.clients,
      viaProxy: context.viaProxy,
      readFrom: context.readFrom ?? 'primary',
      ttlSeconds: context.ttlSeconds,
      ...errorPolicyOf(context),
      ...own,
    },
  };
}
