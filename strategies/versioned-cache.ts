import { cacheKey, encodeEntry } from './cache-codec.ts';
import { LuaScript } from './lua-script.ts';
import type { RedisClient } from './redis-client.ts';

/**
 * The tombstone of item `id`: the version its last delete was made for (`item:{id}:tomb`). The
 * compare-and-set and the versioned delete read the entry and its tombstone in one script, so
 * on a Redis Cluster both hash to the entry's slot through the `{id}` hash tag.
 */
export function tombstoneKey(id: number): string {
  return `${cacheKey(id)}:tomb`;
}

/** Lua: the version in the 8-byte header of a cache entry, or -1 when there is none. */
const ENTRY_VERSION = `
local function entry_version(key)
  local header = redis.call('GETRANGE', key, 0, 7)
  if #header < 8 then return -1 end
  local hi, lo = struct.unpack('>I4>I4', header)
  return hi * 4294967296 + lo
end
`;

/**
 * Compare-and-set: store (version, payload) only if `version` is at least the tombstone's
 * and greater than the cached entry's. Returns 1 when set, 0 when refused.
 * KEYS: entry, tombstone. ARGV: version, encoded entry, TTL in ms (0 = none).
 */
const CAS_SET = new LuaScript(`${ENTRY_VERSION}
local version = tonumber(ARGV[1])
local tomb = redis.call('GET', KEYS[2])
if tomb and tonumber(tomb) > version then return 0 end
if entry_version(KEYS[1]) >= version then return 0 end
if tonumber(ARGV[3]) > 0 then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
else
  redis.call('SET', KEYS[1], ARGV[2])
end
return 1`);

/**
 * Versioned delete: raise the tombstone to `version` (kept for its TTL), and delete the entry
 * unless it already holds `version` or newer. Returns 1 when an entry was deleted.
 * KEYS: entry, tombstone. ARGV: version, tombstone TTL in ms.
 */
const TOMBSTONE_DELETE = new LuaScript(`${ENTRY_VERSION}
local version = tonumber(ARGV[1])
local tomb = redis.call('GET', KEYS[2])
if not tomb or tonumber(tomb) < version then
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
end
if entry_version(KEYS[1]) >= version then return 0 end
return redis.call('DEL', KEYS[1])`);

/** Sets item `id` to (version, payload) if that is newer than cache and tombstone; true when set. */
export async function versionedSet(
  redis: RedisClient,
  id: number,
  version: number,
  payload: Uint8Array,
  ttlMs: number,
): Promise<boolean> {
  const result = await CAS_SET.run(
    redis,
    [cacheKey(id), tombstoneKey(id)],
    [version, encodeEntry(version, payload), ttlMs],
  );
  return result === 1;
}

/** Deletes item `id`'s entry (unless it is already at `version` or newer), leaving a tombstone at `version`. */
export async function versionedDelete(
  redis: RedisClient,
  id: number,
  version: number,
  tombstoneTtlMs: number,
): Promise<boolean> {
  const result = await TOMBSTONE_DELETE.run(
    redis,
    [cacheKey(id), tombstoneKey(id)],
    [version, tombstoneTtlMs],
  );
  return result === 1;
}
