import type { DivergentKey, FinalSnapshot } from './types.ts';

/**
 * Keys whose final cache entry differs from MySQL: the cache holds a version (not 0) that is
 * not the database's. Older is a stale entry that stays until it expires; newer is a write
 * MySQL never got. Sorted by key.
 */
export function findDivergentKeys(snapshot: FinalSnapshot): DivergentKey[] {
  const divergent: DivergentKey[] = [];
  for (const { key, dbVersion, cacheVersion } of snapshot.keys) {
    if (cacheVersion === 0 || cacheVersion === dbVersion) continue;
    divergent.push({
      key,
      dbVersion,
      cacheVersion,
      kind: cacheVersion < dbVersion ? 'cache-older' : 'cache-newer',
    });
  }
  return divergent.sort((a, b) => a.key - b.key);
}
