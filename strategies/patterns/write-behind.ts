import { messageOf } from '../../kernel/index.ts';
import { asBuffer, cacheKey } from '../cache-codec.ts';
import { readItemVersion, type VersionedRow, writeGuardedBatch } from '../db-access.ts';
import { isCluster, keySlot, type RedisClient, tagOfSlot } from '../redis-client.ts';
import { describeStrategy, openSteps, type StrategySteps } from '../steps.ts';
import type { CacheStrategy, StrategyContext } from '../types.ts';

const NAME = 'write-behind';
/** One line for `--list`. */
export const WRITE_BEHIND_SUMMARY =
  'set the cache and queue the write in a Redis stream, ack at once; a flusher batches the queue into MySQL';

/** The Redis stream that holds writes MySQL has not seen yet (one server). */
export const WRITE_BEHIND_QUEUE = 'wb:queue';

/**
 * Redis Cluster: the queue is one stream per hash slot, `wb:queue:{n}` with `n` a hash tag of
 * the slot of `item:{id}` ({@link tagOfSlot}), because the write's script touches the counter,
 * the entry and the queue together and a script's keys must share one slot. A key's writes
 * stay in order in its slot's stream; the flusher reads every stream this process wrote to.
 */
export function clusterQueueKey(id: number): string {
  return `${WRITE_BEHIND_QUEUE}:{${tagOfSlot(keySlot(cacheKey(id)))}}`;
}

/** How long `drain()` waits for the queue to empty unless told otherwise. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;

/** The per-key version counter (`INCR`): write-behind's versions come from Redis. */
export function versionCounterKey(id: number): string {
  // The id as hash tag, as in `item:{id}`: the counter sits on the entry's cluster slot.
  return `wb:version:{${id}}`;
}

/**
 * One atomic step per write (KEYS: counter, cache entry, queue; ARGV: id, payload, ttl):
 * INCR the counter, SET the entry (8-byte big-endian version + payload, the cache-codec
 * format) and XADD the write to the queue. A missing counter returns nil without writing
 * anything, so the caller can seed it first (after a Redis restart the counters are gone).
 */
const WRITE_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local version = redis.call('INCR', KEYS[1])
local entry = struct.pack('>I4I4', math.floor(version / 4294967296), version % 4294967296) .. ARGV[2]
if tonumber(ARGV[3]) > 0 then
  redis.call('SET', KEYS[2], entry, 'EX', ARGV[3])
else
  redis.call('SET', KEYS[2], entry)
end
redis.call('XADD', KEYS[3], '*', 'id', ARGV[1], 'version', string.format('%d', version), 'payload', ARGV[2])
return version
`;

/** Creates the counter (KEYS[1]) at ARGV[1], or raises it there: never lowers it. */
const SEED_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if not current or tonumber(ARGV[1]) > tonumber(current) then redis.call('SET', KEYS[1], ARGV[1]) end
return 0
`;

interface WriteBehindCommands {
  writeBehindWrite(
    counter: string,
    entry: string,
    queue: string,
    id: number,
    payload: Buffer,
    ttlSeconds: number,
  ): Promise<number | null>;
  writeBehindSeed(counter: string, version: number): Promise<number>;
}

/** The flusher's health, for tests and the run's diagnostics. */
export interface FlushState {
  /** Flush cycles that finished (including empty ones). */
  flushes: number;
  /** Flush cycles that failed; their batch stays queued and is retried. */
  flushFailures: number;
  lastFlushError: string | undefined;
}

/** Write-behind adds the flusher's state and a drain with an explicit timeout. */
export interface WriteBehindStrategy extends CacheStrategy {
  start(): Promise<void>;
  drain(timeoutMs?: number): Promise<void>;
  flushState(): FlushState;
}

interface QueuedWrite extends VersionedRow {
  streamId: string;
}

function parseQueued(streamId: Buffer, fields: Buffer[]): QueuedWrite {
  let id = Number.NaN;
  let version = Number.NaN;
  let payload: Buffer | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i]?.toString();
    const value = fields[i + 1] as Buffer;
    if (name === 'id') id = Number(value.toString());
    else if (name === 'version') version = Number(value.toString());
    else if (name === 'payload') payload = value;
  }
  if (!Number.isSafeInteger(id) || !Number.isSafeInteger(version) || payload === undefined) {
    throw new Error(`malformed write-behind queue entry ${streamId.toString()}`);
  }
  return { streamId: streamId.toString(), id, version, payload };
}

/**
 * Write-behind: a write runs one Lua script on Redis (INCR the key's counter, SET the cache
 * entry, XADD to the {@link WRITE_BEHIND_QUEUE} stream) and is acknowledged at once. The
 * flusher (`start()`) reads up to `flushBatchSize` queued writes every `flushIntervalMs`
 * (XRANGE), writes them to MySQL in one version-guarded multi-row upsert (one row per queued
 * version, in order: nothing is coalesced) and only then XDELs them; a
 * failed batch stays first in the stream and is retried, in order. If Redis dies before a
 * flush, the queued writes are gone: the pattern's documented risk, left visible.
 * Versions: after a restart without persistence the counters are gone too; a missing
 * counter is seeded with max(MySQL's version, the highest version this process issued for
 * the key) before INCR, so new versions stay strictly above every acknowledged one and the
 * guard cannot drop them. (Versions issued by another process are not known here: one
 * process per run.)
 * Connections: one Redis connection (writes, reads and the flusher share it),
 * up to `mysqlPoolSize` MySQL connections.
 */
export async function createWriteBehind(context: StrategyContext): Promise<WriteBehindStrategy> {
  const steps = await openSteps(context, true);
  const redis = steps.redis as RedisClient & WriteBehindCommands;
  redis.defineCommand('writeBehindWrite', { numberOfKeys: 3, lua: WRITE_SCRIPT });
  redis.defineCommand('writeBehindSeed', { numberOfKeys: 1, lua: SEED_SCRIPT });
  return new WriteBehind(context, steps, redis);
}

class WriteBehind implements WriteBehindStrategy {
  readonly name = NAME;
  private readonly highestIssued = new Map<number, number>();
  private flushing: Promise<number> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly state: FlushState = { flushes: 0, flushFailures: 0, lastFlushError: undefined };
  /** Cluster: one stream per slot. */
  private readonly clustered: boolean;
  /**
   * Cluster: the streams this process enqueued to that may hold writes, each with the count of
   * its enqueues, so a flush that found a stream empty forgets it only when nothing was
   * enqueued to it meanwhile.
   */
  private readonly dirtyQueues = new Map<string, number>();

  constructor(
    private readonly context: StrategyContext,
    private readonly steps: StrategySteps,
    private readonly redis: RedisClient & WriteBehindCommands,
  ) {
    this.clustered = isCluster(redis);
  }

  private queueOf(key: number): string {
    return this.clustered ? clusterQueueKey(key) : WRITE_BEHIND_QUEUE;
  }

  read(key: number, opId = -1) {
    return this.steps.readThrough(key, opId);
  }

  async write(key: number, payload: Uint8Array, opId = -1) {
    const p = this.steps.pause('before-cache-set', key, opId);
    if (p) await p;
    let version = await this.enqueue(key, payload);
    if (version === null) {
      await this.seedCounter(key);
      version = await this.enqueue(key, payload);
      if (version === null)
        throw new Error(`write-behind: version counter of key ${key} vanished twice in a row`);
    }
    if (version > (this.highestIssued.get(key) ?? 0)) this.highestIssued.set(key, version);
    this.steps.trace('cache-set', key, version, opId);
    this.steps.trace('queue-push', key, version, opId);
    return { version };
  }

  private enqueue(key: number, payload: Uint8Array): Promise<number | null> {
    this.steps.counter.redisCommands++;
    const queue = this.queueOf(key);
    if (this.clustered) this.dirtyQueues.set(queue, (this.dirtyQueues.get(queue) ?? 0) + 1);
    return this.redis.writeBehindWrite(
      versionCounterKey(key),
      cacheKey(key),
      queue,
      key,
      asBuffer(payload),
      this.context.ttlSeconds,
    );
  }

  private async seedCounter(key: number): Promise<void> {
    const dbVersion = await readItemVersion(this.steps.store, key);
    const seed = Math.max(dbVersion, this.highestIssued.get(key) ?? 0);
    this.steps.counter.redisCommands++;
    await this.redis.writeBehindSeed(versionCounterKey(key), seed);
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.schedule(this.context.flushIntervalMs);
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.tick();
    }, delayMs);
  }

  private async tick(): Promise<void> {
    let next = this.context.flushIntervalMs;
    try {
      // A full batch means more is waiting: go again at once.
      if ((await this.flush()) >= this.context.flushBatchSize) next = 0;
    } catch {
      // Counted in flushState by flush(); the batch is still queued and the next tick retries it.
    }
    if (this.running) this.schedule(next);
  }

  /** One flush cycle at a time: a caller arriving during a cycle shares it. */
  private flush(): Promise<number> {
    if (this.flushing === undefined) {
      this.flushing = this.flushOnce().finally(() => {
        this.flushing = undefined;
      });
    }
    return this.flushing;
  }

  /** Returns how many queued writes it moved to MySQL (0 = the queue was empty). */
  private async flushOnce(): Promise<number> {
    try {
      const p = this.steps.pause('before-flush', -1, -1);
      if (p) await p;
      const batches = await this.readQueues();
      const queued = batches.flatMap((batch) => batch.writes);
      if (queued.length > 0) {
        // Every queued version in queue order, none coalesced: MySQL applies (and logs) each
        // as its own row change, so its binlog shows every write the flusher delivered.
        await writeGuardedBatch(this.steps.store, queued);
        for (const row of queued) this.steps.trace('flush', row.id, row.version, -1);
        // Removed only after MySQL committed: a crash in between replays the batch, which the guard makes harmless.
        for (const batch of batches) {
          if (batch.writes.length === 0) continue;
          this.steps.counter.redisCommands++;
          await this.redis.xdel(batch.queue, ...batch.writes.map((write) => write.streamId));
        }
      }
      this.state.flushes++;
      return queued.length;
    } catch (error) {
      this.state.flushFailures++;
      this.state.lastFlushError = messageOf(error);
      throw error;
    }
  }

  /**
   * Up to `flushBatchSize` queued writes, oldest first per stream: from the one stream, or
   * (cluster) from each stream this process enqueued to, read together; a stream found empty
   * with nothing enqueued since is forgotten.
   */
  private async readQueues(): Promise<{ queue: string; writes: QueuedWrite[] }[]> {
    const limit = this.context.flushBatchSize;
    const read = async (queue: string, count: number) => {
      this.steps.counter.redisCommands++;
      const entries = await this.redis.xrangeBuffer(queue, '-', '+', 'COUNT', count);
      return { queue, writes: entries.map(([streamId, fields]) => parseQueued(streamId, fields)) };
    };
    if (!this.clustered) return [await read(WRITE_BEHIND_QUEUE, limit)];
    const dirty = [...this.dirtyQueues].slice(0, limit);
    const batches = await Promise.all(dirty.map(([queue]) => read(queue, limit)));
    dirty.forEach(([queue, enqueues], i) => {
      if (batches[i]?.writes.length === 0 && this.dirtyQueues.get(queue) === enqueues) {
        this.dirtyQueues.delete(queue);
      }
    });
    let room = limit;
    return batches.map((batch) => {
      const writes = batch.writes.slice(0, Math.max(room, 0));
      room -= writes.length;
      return { queue: batch.queue, writes };
    });
  }

  /**
   * Flushes until a flush cycle that started after this call finds the queue empty.
   * @throws when the queue is still not empty after `timeoutMs` (with the last flush error).
   */
  async drain(timeoutMs = DEFAULT_DRAIN_TIMEOUT_MS): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    let lastError: unknown;
    for (;;) {
      // A cycle already running may have read the queue before the latest writes: wait it out.
      while (this.flushing !== undefined) await this.flushing.catch(() => 0);
      let failed = false;
      try {
        if ((await this.flush()) === 0) return;
      } catch (error) {
        lastError = error;
        failed = true;
      }
      if (performance.now() > deadline) {
        const cause = lastError === undefined ? '' : `; last flush error: ${messageOf(lastError)}`;
        throw new Error(
          `write-behind drain: queue ${this.clustered ? `${WRITE_BEHIND_QUEUE}:{…}` : WRITE_BEHIND_QUEUE} not empty after ${timeoutMs} ms${cause}`,
        );
      }
      if (failed) await new Promise((resolve) => setTimeout(resolve, Math.min(50, timeoutMs)));
    }
  }

  flushState(): FlushState {
    return { ...this.state };
  }

  describe() {
    return describeStrategy(NAME, WRITE_BEHIND_SUMMARY, this.context, {
      flushIntervalMs: this.context.flushIntervalMs,
      flushBatchSize: this.context.flushBatchSize,
      drainTimeoutMs: DEFAULT_DRAIN_TIMEOUT_MS,
      queue: this.clustered ? `${WRITE_BEHIND_QUEUE}:{slot tag}` : WRITE_BEHIND_QUEUE,
      enqueue: 'lua: INCR + SET + XADD',
    });
  }

  stats() {
    return this.steps.counter.snapshot();
  }

  async close(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flushing?.catch(() => 0);
    await this.steps.close();
  }
}
