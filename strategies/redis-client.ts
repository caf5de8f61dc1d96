import { type ChainableCommander, Cluster, type Redis } from 'ioredis';

/**
 * A connection to the cache: one ioredis client to one server, or ioredis' Cluster client
 * (`--cache-topology cluster`), which routes each command to the master of its key's slot and
 * follows MOVED/ASK redirections. Commands with several keys (a Lua script's KEYS, a
 * multi-key DEL) must have all their keys in one slot: the key names below carry hash tags.
 */
export type RedisClient = Redis | Cluster;

/** True for ioredis' Cluster client. */
export function isCluster(redis: RedisClient): redis is Cluster {
  return redis instanceof Cluster;
}

/**
 * The servers that hold data: the one server, or every master of the cluster (as the client
 * knows them now). Whole-keyspace commands (FLUSHDB, SCAN, INFO) go to each of them.
 */
export function mastersOf(redis: RedisClient): Redis[] {
  return isCluster(redis) ? redis.nodes('master') : [redis];
}

/** FLUSHDB on every master (one server: just FLUSHDB). */
export async function flushEveryMaster(redis: RedisClient): Promise<void> {
  await Promise.all(mastersOf(redis).map((node) => node.flushdb()));
}

/** Keys per batch when a command is sent for many keys. */
const BATCH = 1000;

/**
 * Sends one command per id and returns the replies in order (a failed command throws).
 * One server: `queue` adds it to a pipeline, one pipeline per 1000 ids. Cluster: `send` sends
 * each on its own and the Cluster client, auto-pipelining, groups them by node (a pipeline
 * must not span slots that different masters serve).
 */
export async function perKey(
  redis: RedisClient,
  ids: readonly number[],
  send: (cluster: Cluster, id: number) => Promise<unknown>,
  queue: (pipeline: ChainableCommander, id: number) => void,
): Promise<unknown[]> {
  const replies: unknown[] = [];
  for (let start = 0; start < ids.length; start += BATCH) {
    const batch = ids.slice(start, start + BATCH);
    if (isCluster(redis)) {
      replies.push(...(await Promise.all(batch.map((id) => send(redis, id)))));
      continue;
    }
    const pipeline = redis.pipeline();
    for (const id of batch) queue(pipeline, id);
    for (const [error, value] of (await pipeline.exec()) ?? []) {
      if (error) throw error;
      replies.push(value);
    }
  }
  return replies;
}

/** CRC16/XMODEM, the checksum Redis Cluster hashes keys with. */
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** Redis Cluster's hash slots. */
export const HASH_SLOTS = 16384;

/**
 * The hash slot of a key, as `CLUSTER KEYSLOT` computes it: CRC16 of the hash tag (the text
 * between the first `{` and the next `}`, when not empty), else of the whole key, mod 16384.
 */
export function keySlot(key: string): number {
  const open = key.indexOf('{');
  const close = open < 0 ? -1 : key.indexOf('}', open + 1);
  const hashed = open >= 0 && close > open + 1 ? key.slice(open + 1, close) : key;
  return crc16(Buffer.from(hashed)) % HASH_SLOTS;
}

let tagsBySlot: number[] | undefined;

/**
 * A hash tag for `slot`: the smallest positive integer whose `{n}` hashes to it, so a key
 * named `…{n}…` lands on that slot (write-behind's per-slot queues use it). Computed once.
 */
export function tagOfSlot(slot: number): number {
  if (tagsBySlot === undefined) {
    const table = new Array<number>(HASH_SLOTS).fill(0);
    let found = 0;
    for (let n = 1; found < HASH_SLOTS; n++) {
      const s = keySlot(String(n));
      if (table[s] === 0) {
        table[s] = n;
        found++;
      }
    }
    tagsBySlot = table;
  }
  return tagsBySlot[slot] as number;
}
