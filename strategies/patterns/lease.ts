import { randomUUID } from 'node:crypto';
import { cacheKey, decodeEntry } from '../cache-codec.ts';
import { guardedFill } from '../guarded-fill.ts';
import { LuaScript } from '../lua-script.ts';
import { describeStrategy, openSteps, servedFromDb } from '../steps.ts';
import { numberOption, numberSpec, sleep } from '../strategy-options.ts';
import type { CacheStrategy, ReadResult, StrategyContext } from '../types.ts';

const NAME = 'lease';
/** One line for `--list`. */
export const LEASE_SUMMARY =
  'memcache leases: a miss takes a lease token, only a fill holding a still-valid token is stored, a write clears the lease';

/** Lease defaults: a token outlives a normal fill; other readers wait a little, then read MySQL. */
export const DEFAULT_LEASE_TTL_MS = 2000;
export const DEFAULT_LEASE_WAIT_MS = 200;
export const DEFAULT_LEASE_RETRY_MS = 10;

/**
 * The lease of item `id`: `item:{id}:lease`, beside the entry. The scripts and the write's
 * two-key DEL touch the entry and its lease together, so on a Redis Cluster both must hash to
 * one slot: the `{id}` hash tag of `cacheKey` puts them there.
 */
export function leaseKey(id: number): string {
  return `${cacheKey(id)}:lease`;
}

/**
 * GET the entry; on a miss take the lease if nobody holds it. Replies {entry} on a hit,
 * {false, 'LEASE'} when this reader now holds the lease, {false, 'WAIT'} when another does.
 * KEYS: entry, lease. ARGV: token, lease TTL ms.
 */
const GET_OR_LEASE = new LuaScript(`
local value = redis.call('GET', KEYS[1])
if value then return {value} end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return {false, 'LEASE'} end
return {false, 'WAIT'}`);

/**
 * The fill: stored only while the reader's token is still the lease (a write's delete or
 * the lease's expiry took it away otherwise); the lease ends either way it was held.
 * KEYS: entry, lease. ARGV: token, encoded entry, TTL ms (0 = none). Replies 1 stored, 0 refused.
 */
const FILL_WITH_LEASE = new LuaScript(`
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[2])
if tonumber(ARGV[3]) > 0 then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
else
  redis.call('SET', KEYS[1], ARGV[2])
end
return 1`);

/** Gives a lease back without filling (the row is absent, or the MySQL read failed). KEYS: lease. ARGV: token. */
const RELEASE_LEASE = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`);

/** The options it reads (`--strategy-option`), checked before a run starts. */
export const LEASE_OPTIONS = ['leaseTtlMs', 'leaseWaitMs', 'leaseRetryMs'].map(numberSpec);

/**
 * Leases (Nishtala et al., "Scaling Memcache at Facebook", NSDI '13): a read that misses
 * obtains a lease token (`SET item:{id}:lease token NX PX leaseTtlMs`, atomically with the
 * GET); its fill is stored only while that token is still the lease. A write updates MySQL,
 * then deletes the entry AND the lease in one DEL, so a fill that read the row before the
 * write holds a dead token and is refused (the article's stale fill). Readers that miss
 * while another holds the lease poll the cache every `leaseRetryMs` for up to `leaseWaitMs`
 * (a hot key's thundering herd becomes one MySQL read), then read MySQL without filling.
 * What it cannot fix: a write whose process dies between the MySQL commit and the delete
 * leaves the old entry; a lease holder that stalls makes the others wait `leaseWaitMs`.
 * Options `leaseTtlMs` (2000), `leaseWaitMs` (200), `leaseRetryMs` (10). Counters:
 * `leasesGranted`, `leaseWaiters` (misses that found the lease taken), `leaseWaitHits` (MySQL reads saved), `leaseWaitFallbacks`, `leaseFillsRefused`.
 */
export async function createLease(context: StrategyContext): Promise<CacheStrategy> {
  const leaseTtlMs = numberOption(context, 'leaseTtlMs', DEFAULT_LEASE_TTL_MS);
  const leaseWaitMs = numberOption(context, 'leaseWaitMs', DEFAULT_LEASE_WAIT_MS);
  const leaseRetryMs = Math.max(1, numberOption(context, 'leaseRetryMs', DEFAULT_LEASE_RETRY_MS));
  const steps = await openSteps(context, true);
  const redis = steps.redis;

  async function fillWithLease(key: number, token: string, opId: number): Promise<ReadResult> {
    steps.bump('leasesGranted');
    return guardedFill(steps, key, opId, {
      release: () => RELEASE_LEASE.run(redis, [leaseKey(key)], [token]),
      store: async (entry) =>
        (await FILL_WITH_LEASE.run(redis, [cacheKey(key), leaseKey(key)], [token, entry, steps.ttlMs])) === 1,
      refusedCounter: 'leaseFillsRefused',
    });
  }

  async function read(key: number, opId = -1): Promise<ReadResult> {
    const token = randomUUID();
    const deadline = performance.now() + leaseWaitMs;
    for (let attempt = 0; ; attempt++) {
      steps.counter.redisCommands++;
      const reply = (await GET_OR_LEASE.runBuffer(
        redis,
        [cacheKey(key), leaseKey(key)],
        [token, leaseTtlMs],
      )) as [Buffer | null, Buffer?];
      const [value, state] = reply;
      if (value !== null && value !== undefined) {
        const entry = decodeEntry(value);
        steps.trace('cache-get-hit', key, entry.version, opId);
        if (attempt > 0) steps.bump('leaseWaitHits');
        return { found: true, version: entry.version, payload: entry.payload, source: 'cache' };
      }
      steps.trace('cache-get-miss', key, -1, opId);
      if (state?.toString() === 'LEASE') return fillWithLease(key, token, opId);
      if (attempt === 0) steps.bump('leaseWaiters');
      if (performance.now() >= deadline) {
        // Waited long enough for the lease holder: read MySQL, and leave the filling to it.
        steps.bump('leaseWaitFallbacks');
        const item = await steps.dbRead(key, opId);
        return servedFromDb(item);
      }
      const p = steps.pause('lock-wait', key, opId);
      if (p) await p;
      await sleep(leaseRetryMs);
    }
  }

  return {
    name: NAME,
    read,
    async write(key, payload, opId = -1) {
      const version = await steps.between('db-write', key, opId, () => steps.dbWrite(key, payload, opId));
      await steps.between('cache-delete', key, opId, async () => {
        steps.counter.redisCommands++;
        await redis.del(cacheKey(key), leaseKey(key));
        steps.trace('cache-del', key, -1, opId);
      });
      return { version };
    },
    describe: () => describeStrategy(NAME, LEASE_SUMMARY, context, { leaseTtlMs, leaseWaitMs, leaseRetryMs }),
    stats: () => steps.stats(),
    close: () => steps.close(),
  };
}
