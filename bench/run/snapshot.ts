import type { RowDataPacket } from 'mysql2/promise';
import type { FinalSnapshot, KeySnapshot } from '../../checker/types.ts';
import { readCacheVersions } from '../../strategies/cache-codec.ts';
import { readDbVersions } from '../../strategies/db-access.ts';
import type { CacheView } from '../../strategies/types.ts';
import type { DirectConnections } from './direct.ts';

/**
 * Reads keys from the cache and from MySQL over the direct connections (no fault reaches
 * them), cache first: a key written between the two reads can then only look newer in MySQL,
 * which the settle time before the snapshot rules out. The cache is read through the
 * pattern's {@link CacheView} (what a reader would be served). `keys` is either the key count (every
 * key 1..keys: MySQL in one indexed range scan) or the ascending keys to read (the run's
 * written keys: the only ones that can diverge, docs/definitions.md "Divergent keys").
 */
export async function takeSnapshot(
  direct: DirectConnections,
  keys: number | readonly number[],
  now: () => number,
  cacheView: CacheView = readCacheVersions,
): Promise<FinalSnapshot> {
  const ids = typeof keys === 'number' ? Array.from({ length: keys }, (_, i) => i + 1) : keys;
  const takenAtNs = now();
  const cacheVersions = await cacheView(direct.redis, ids);
  const dbVersions =
    typeof keys === 'number' ? await scanDbVersions(direct, keys) : await readDbVersions(direct.pool, ids);
  const snapshot: KeySnapshot[] = ids.map((key, i) => ({
    key,
    dbVersion: dbVersions[i] ?? 0,
    cacheVersion: cacheVersions[i] ?? 0,
  }));
  return { keys: snapshot, takenAtNs };
}

/** MySQL's versions of keys 1..keys in one primary-key range scan (0: no row). */
async function scanDbVersions(direct: DirectConnections, keys: number): Promise<number[]> {
  const versions = new Array<number>(keys).fill(0);
  const [rows] = await direct.pool.query<RowDataPacket[]>({
    sql: 'SELECT id, version FROM items WHERE id BETWEEN 1 AND ?',
    values: [keys],
    rowsAsArray: true,
  });
  for (const row of rows) versions[Number(row[0]) - 1] = Number(row[1]);
  return versions;
}
