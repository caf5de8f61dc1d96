import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findDivergentKeys } from '../../checker/index.ts';
import { snapshotOf } from './history-builder.ts';

describe('findDivergentKeys', () => {
  it('reports cache entries older or newer than MySQL, sorted by key', () => {
    const snapshot = snapshotOf([
      [5, 0, 2], // MySQL has no row, the cache has v2
      [1, 5, 5],
      [3, 2, 4],
      [2, 5, 3],
      [4, 7, 0], // no cache entry: consistent
      [6, 0, 0],
    ]);
    assert.deepEqual(findDivergentKeys(snapshot), [
      { key: 2, dbVersion: 5, cacheVersion: 3, kind: 'cache-older' },
      { key: 3, dbVersion: 2, cacheVersion: 4, kind: 'cache-newer' },
      { key: 5, dbVersion: 0, cacheVersion: 2, kind: 'cache-newer' },
    ]);
  });

  it('finds nothing in an empty snapshot', () => {
    assert.deepEqual(findDivergentKeys(snapshotOf([])), []);
  });
});
