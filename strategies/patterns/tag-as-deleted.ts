import { randomUUID } from 'node:crypto';
import { cacheKey, decodeEntry, readCacheVersions } from '../cache-codec.ts';
import { timerDeferredWork } from '../deferred-work.ts';
import { guardedFill } from '../guarded-fill.ts';
import { LuaScript } from '../lua-script.ts';
import { perKey } from '../redis-client.ts';
import { describeStrategy, openSteps, servedFromDb } from '../steps.ts';
import { choiceOption, choiceSpec, numberOption, numberSpec, sleep } from '../strategy-options.ts';
import type { CacheStrategy, CacheView, ReadResult, StrategyContext } from '../types.ts';

const NAME = 'tag-as-deleted';
/** One line for `--list`. */
export const TAG_AS_DELETED_SUMMARY =
  'rockscache: a write marks the entry deleted instead of removing it; one lock owner refills it (weak: others read the old value; strong: they wait)';

/** Defaults as in rockscache's NewDefaultOptions: LockExpire 3 s, LockSleep 100 ms, Delay 10 s. */
export const DEFAULT_LOCK_EXPIRE_MS = 3000;
export const DEFAULT_LOCK_SLEEP_MS = 100;
export const DEFAULT_DELETED_LINGER_MS = 10_000;

const CONSISTENCY = ['strong', 'weak'] as const;
type Consistency = (typeof CONSISTENCY)[number];

/**
 * The lock of item `id`: a hash {lockUntil (ms, Redis clock), lockOwner}, beside the entry
 * (`item:{id}:tag`). The scripts read and write the entry and its lock together, so on a Redis
 * Cluster both hash to the entry's slot through the `{id}` hash tag.
 */
export function tagKey(id: number): string {
  return `${cacheKey(id)}:tag`;
}

/** Lua: Redis's own clock in ms (no client clock in the lock). */
const NOW_MS = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/**
 * rockscache's get: the value, and take the lock when it is marked deleted (lockUntil in the
 * past) or absent and unlocked. Replies {value|false, 'LOCKED'} (this reader owns the
 * refill), {value|false, 'WAIT'} (another owner refills it), or {value, 'VALUE'}.
 * KEYS: entry, tag. ARGV: owner, lock expiry ms.
 */
const GET_FOR_FETCH = new LuaScript(`${NOW_MS}
local value = redis.call('GET', KEYS[1])
local lockUntil = redis.call('HGET', KEYS[2], 'lockUntil')
if (lockUntil and tonumber(lockUntil) < now) or (not lockUntil and not value) then
  redis.call('HSET', KEYS[2], 'lockUntil', now + tonumber(ARGV[2]), 'lockOwner', ARGV[1])
  local entryTtl = redis.call('PTTL', KEYS[1])
  if not value then
    redis.call('PEXPIRE', KEYS[2], ARGV[2])
  elseif entryTtl > 0 then
    redis.call('PEXPIRE', KEYS[2], entryTtl)
  end
  return {value, 'LOCKED'}
end
if lockUntil then return {value, 'WAIT'} end
return {value, 'VALUE'}`);

/**
 * TagAsDeleted: lockUntil = 0 and no owner (the next reader takes the refill), and both the
 * entry and the tag expire within `lingerMs` (rockscache's Delay).
 * KEYS: entry, tag. ARGV: linger ms.
 */
const TAG_AS_DELETED = new LuaScript(`
redis.call('HSET', KEYS[2], 'lockUntil', 0)
redis.call('HDEL', KEYS[2], 'lockOwner')
redis.call('PEXPIRE', KEYS[2], ARGV[1])
local entryTtl = redis.call('PTTL', KEYS[1])
if entryTtl == -1 or entryTtl > tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return 1`);

/** The refill, stored only by the lock's owner; it ends the lock. KEYS: entry, tag. ARGV: owner, entry, TTL ms. */
const SET_IF_OWNER = new LuaScript(`
if redis.call('HGET', KEYS[2], 'lockOwner') ~= ARGV[1] then return 0 end
if tonumber(ARGV[3]) > 0 then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
else
  redis.call('SET', KEYS[1], ARGV[2])
end
redis.call('DEL', KEYS[2])
return 1`);

/** Gives the lock up after a failed MySQL read (the next reader retries). KEYS: tag. ARGV: owner. */
const UNLOCK = new LuaScript(`
if redis.call('HGET', KEYS[1], 'lockOwner') == ARGV[1] then
  redis.call('HSET', KEYS[1], 'lockUntil', 0)
  redis.call('HDEL', KEYS[1], 'lockOwner')
end
return 1`);

/**
 * What a reader is served from the cache: in `weak` mode the entry as it is, marked or not
 * (readers return it); in `strong` mode an entry with a tag (marked deleted, or being
 * refilled by a lock owner) is served to nobody — a reader waits for the refill or refills
 * it itself from MySQL — so it counts as no entry.
 */
export function tagAsDeletedCacheView(
  options: Readonly<Record<string, string | number | boolean>>,
): CacheView {
  if (options.consistency === 'weak') return readCacheVersions;
  return async (redis, ids) => {
    const versions = await readCacheVersions(redis, ids);
    const present = ids.filter((_, i) => (versions[i] ?? 0) !== 0);
    if (present.length === 0) return versions;
    const replies = await perKey(
      redis,
      present,
      (cluster, id) => cluster.exists(tagKey(id)),
      (pipeline, id) => pipeline.exists(tagKey(id)),
    );
    const tagged = new Set<number>();
    replies.forEach((exists, i) => {
      if (exists === 1) tagged.add(present[i] as number);
    });
    return versions.map((version, i) => (tagged.has(ids[i] as number) ? 0 : version));
  };
}

/** The options it reads (`--strategy-option`), checked before a run starts. */
export const TAG_AS_DELETED_OPTIONS = [
  choiceSpec('consistency', CONSISTENCY),
  ...['lockExpireMs', 'lockSleepMs', 'deletedLingerMs'].map(numberSpec),
];

/**
 * Tag-as-deleted, after dtm-labs/rockscache (scheme re-implemented, not its code): a write
 * updates MySQL, then marks `item:{id}` deleted (`item:{id}:tag` lockUntil = 0) instead of
 * removing it. The first reader of a marked entry becomes its lock owner and refills it from
 * MySQL; a fill is stored only while its reader still owns the lock, so a slow fill that
 * read the row before a write (which cleared the owner) is refused.
 * Other readers of a marked entry, by `consistency`: `weak` (rockscache's default) return the
 * old value at once — also the owner itself, which refills in the background: a read right
 * after the write returns the old value (rockscache issue #12); `strong` wait for the owner's
 * refill (polling every `lockSleepMs`, up to `lockExpireMs`, then read MySQL).
 * Default here is `strong`, so reads see their own writes like the other patterns.
 * The old value lingers in Redis until refilled or `deletedLingerMs` passes; the snapshot reads
 * it through {@link tagAsDeletedCacheView}.
 * Options `consistency` (strong|weak), `lockExpireMs` (3000), `lockSleepMs` (100),
 * `deletedLingerMs` (10000). Counters: `refillsOwned`, `oldValueReturned`, `lockWaits`,
 * `refillsRefused`, `lockWaitFallbacks`. `drain()` waits for background refills, which run as
 * `context.deferredWork` (a timer of this process by default; the explorer steps them).
 */
export async function createTagAsDeleted(context: StrategyContext): Promise<CacheStrategy> {
  const consistency: Consistency = choiceOption(context, 'consistency', CONSISTENCY, 'strong');
  const lockExpireMs = numberOption(context, 'lockExpireMs', DEFAULT_LOCK_EXPIRE_MS);
  const lockSleepMs = Math.max(1, numberOption(context, 'lockSleepMs', DEFAULT_LOCK_SLEEP_MS));
  const deletedLingerMs = Math.max(1, numberOption(context, 'deletedLingerMs', DEFAULT_DELETED_LINGER_MS));
  const steps = await openSteps(context, true);
  const redis = steps.redis;
  const refills = new Set<Promise<unknown>>();
  const deferred = context.deferredWork ?? timerDeferredWork();

  async function refill(key: number, owner: string, opId: number): Promise<ReadResult> {
    steps.bump('refillsOwned');
    // rockscache caches an empty result; here a missing row stays absent and the lock is given up.
    return guardedFill(steps, key, opId, {
      release: () => UNLOCK.run(redis, [tagKey(key)], [owner]),
      store: async (entry) =>
        (await SET_IF_OWNER.run(redis, [cacheKey(key), tagKey(key)], [owner, entry, steps.ttlMs])) === 1,
      refusedCounter: 'refillsRefused',
    });
  }

  function refillInBackground(key: number, owner: string, opId: number): void {
    const running = deferred
      .after(0, async () => {
        await refill(key, owner, opId);
      })
      .catch(() => undefined);
    refills.add(running);
    running.finally(() => refills.delete(running));
  }

  async function read(key: number, opId = -1): Promise<ReadResult> {
    const owner = randomUUID();
    const deadline = performance.now() + lockExpireMs;
    for (;;) {
      steps.counter.redisCommands++;
      const [value, rawState] = (await GET_FOR_FETCH.runBuffer(
        redis,
        [cacheKey(key), tagKey(key)],
        [owner, lockExpireMs],
      )) as [Buffer | null, Buffer];
      const state = rawState.toString();
      const entry = value === null ? undefined : decodeEntry(value);
      steps.trace(entry === undefined ? 'cache-get-miss' : 'cache-get-hit', key, entry?.version ?? -1, opId);
      if (state === 'LOCKED') {
        if (entry === undefined || consistency === 'strong') return refill(key, owner, opId);
        steps.bump('oldValueReturned');
        refillInBackground(key, owner, opId);
        return { found: true, version: entry.version, payload: entry.payload, source: 'cache' };
      }
      if (entry !== undefined && (state === 'VALUE' || consistency === 'weak')) {
        if (state === 'WAIT') steps.bump('oldValueReturned');
        return { found: true, version: entry.version, payload: entry.payload, source: 'cache' };
      }
      if (performance.now() >= deadline) {
        steps.bump('lockWaitFallbacks');
        const item = await steps.dbRead(key, opId);
        return servedFromDb(item);
      }
      steps.bump('lockWaits');
      const p = steps.pause('lock-wait', key, opId);
      if (p) await p;
      await sleep(lockSleepMs);
    }
  }

  return {
    name: NAME,
    read,
    async write(key, payload, opId = -1) {
      const version = await steps.between('db-write', key, opId, () => steps.dbWrite(key, payload, opId));
      await steps.between('cache-delete', key, opId, async () => {
        steps.counter.redisCommands++;
        await TAG_AS_DELETED.run(redis, [cacheKey(key), tagKey(key)], [deletedLingerMs]);
        steps.trace('cache-del', key, -1, opId);
      });
      return { version };
    },
    async drain() {
      while (refills.size > 0) await Promise.all([...refills]);
    },
    describe: () =>
      describeStrategy(NAME, TAG_AS_DELETED_SUMMARY, context, {
        consistency,
        lockExpireMs,
        lockSleepMs,
        deletedLingerMs,
      }),
    stats: () => steps.stats(),
    async close() {
      await Promise.all([...refills]);
      await steps.close();
    },
  };
}
