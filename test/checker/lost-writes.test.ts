import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findLostWrites } from '../../checker/index.ts';
import { HistoryBuilder, snapshotOf } from './history-builder.ts';

describe('findLostWrites', () => {
  it('reports ok writes above the final MySQL version, a key missing from the snapshot counting as 0', () => {
    const h = new HistoryBuilder();
    h.write(0, 1, 0, 1, 3);
    const lost = h.write(0, 1, 2, 3, 4);
    h.write(0, 1, 4, 5, 5, 'info');
    h.write(0, 1, 6, 7, 6, 'fail');
    const missing = h.write(0, 9, 0, 1, 1);
    h.write(0, 2, 0, 1, 1);
    h.read(1, 1, 10, 11, 9);
    assert.deepEqual(
      findLostWrites(
        h.build(),
        snapshotOf([
          [1, 3, 3],
          [2, 2, 0],
        ]),
      ),
      [
        { op: lost, key: 1, version: 4, finalDbVersion: 3 },
        { op: missing, key: 9, version: 1, finalDbVersion: 0 },
      ],
    );
  });

  it('works on sparse keys, with the snapshot in any order', () => {
    const h = new HistoryBuilder();
    const big = 4_100_000_000;
    const lost = h.write(0, big, 0, 1, 2);
    h.write(0, 3, 0, 1, 2);
    const expected = [{ op: lost, key: big, version: 2, finalDbVersion: 1 }];
    const entries = [
      [3, 2, 2],
      [77, 1, 1],
      [big, 1, 2],
    ] as const;
    assert.deepEqual(findLostWrites(h.build(), snapshotOf(entries)), expected);
    assert.deepEqual(findLostWrites(h.build(), snapshotOf([...entries].reverse())), expected);
  });
});
