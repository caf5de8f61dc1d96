import { perKey, type RedisClient } from './redis-client.ts';

/** Bytes of the version header in front of the payload. */
export const VERSION_HEADER_BYTES = 8;

const TWO_POW_32 = 2 ** 32;

/** A decoded cache entry. */
export interface CacheEntry {
  version: number;
  payload: Uint8Array;
}

/**
 * The payload as a Buffer, without copying: ioredis and mysql2 send Buffers as binary but
 * turn a plain Uint8Array into text.
 */
export function asBuffer(payload: Uint8Array): Buffer {
  return Buffer.isBuffer(payload)
    ? payload
    : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
}

/**
 * The Redis key of an item: `item:{id}`, the id in braces as a Redis Cluster hash tag: the
 * keys a pattern keeps beside the entry (`item:{id}:tomb`, `:lease`, `:tag`,
 * `wb:version:{id}`) hash to the entry's slot, so one Lua script may touch them together.
 * On one server the braces are just part of the name.
 */
export function cacheKey(id: number): string {
  return `item:{${id}}`;
}

/**
 * Cache value format: 8-byte big-endian version, then the payload bytes. A single string
 * value keeps GET/SET one command each, and `GETRANGE key 0 7` reads the version alone.
 */
export function encodeEntry(version: number, payload: Uint8Array): Buffer {
  if (!Number.isSafeInteger(version) || version < 0) {
    throw new RangeError(`cache entry version must be a non-negative safe integer, got ${version}`);
  }
  const entry = Buffer.allocUnsafe(VERSION_HEADER_BYTES + payload.byteLength);
  writeVersion(entry, version);
  entry.set(payload, VERSION_HEADER_BYTES);
  return entry;
}

/** Decodes {@link encodeEntry}'s format; the payload is a view into `value`, not a copy. */
export function decodeEntry(value: Uint8Array): CacheEntry {
  if (value.byteLength < VERSION_HEADER_BYTES) {
    throw new RangeError(
      `cache entry too short: ${value.byteLength} bytes, need at least ${VERSION_HEADER_BYTES}`,
    );
  }
  return { version: readVersion(value), payload: value.subarray(VERSION_HEADER_BYTES) };
}

/** The version in the first 8 bytes of `value`. */
export function readVersion(value: Uint8Array): number {
  const view = new DataView(value.buffer, value.byteOffset, VERSION_HEADER_BYTES);
  return view.getUint32(0) * TWO_POW_32 + view.getUint32(4);
}

function writeVersion(target: Buffer, version: number): void {
  target.writeUInt32BE(Math.floor(version / TWO_POW_32), 0);
  target.writeUInt32BE(version % TWO_POW_32, 4);
}

/**
 * The cached version of each id (0 = no entry), for the final snapshot. Reads only the
 * 8-byte header (`GETRANGE`), pipelined in chunks of 1000 keys (a cluster: on every master).
 * @throws when Redis fails or an entry is shorter than the header.
 */
export async function readCacheVersions(redis: RedisClient, ids: readonly number[]): Promise<number[]> {
  const headers = await perKey(
    redis,
    ids,
    (cluster, id) => cluster.getrangeBuffer(cacheKey(id), 0, VERSION_HEADER_BYTES - 1),
    (pipeline, id) => pipeline.getrangeBuffer(cacheKey(id), 0, VERSION_HEADER_BYTES - 1),
  );
  return headers.map((value) => {
    const header = value as Buffer;
    if (header.byteLength === 0) return 0;
    if (header.byteLength < VERSION_HEADER_BYTES) {
      throw new RangeError(`cache entry too short: ${header.byteLength} bytes`);
    }
    return readVersion(header);
  });
}
