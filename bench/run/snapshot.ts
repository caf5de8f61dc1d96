import type { FinalSnapshot, KeySnapshot } from '../../checker/types.ts';
import { readCacheVersions } from '../../strategies/cache-codec.ts';
import { readDbVersions } from '../../strategies/db-access.ts';
import type { DirectConnections } from './direct.ts';

/**
 * Reads every key 1..keys from the cache and from MySQL over the direct connections
 * (no fault reaches them), cache first: a key written between the two reads can then
 * only look newer in MySQL, which the settle time before the snapshot rules out.
 */
export async function takeSnapshot(
  direct: DirectConnections,
  keys: number,
  now: () => number,
): Promise<FinalSnapshot> {
  const ids = Array.from({ length: keys }, (_, i) => i + 1);
  const takenAtNs = now();
  const cacheVersions = await readCacheVersions(direct.redis, ids);
  const dbVersions = await readDbVersions(direct.pool, ids);
  const snapshot: KeySnapshot[] = ids.map((key, i) => ({
    key,
    dbVersion: dbVersions[i] ?? 0,
    cacheVersion: cacheVersions[i] ?? 0,
  }));
  return { keys: snapshot, takenAtNs };
}
