import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check, findLostWrites, findWritesAboveFinalRow } from '../../checker/index.ts';
import type { CommitEvidence } from '../../checker/types.ts';
import { HistoryBuilder, snapshotOf } from './history-builder.ts';

describe('findWritesAboveFinalRow', () => {
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
      findWritesAboveFinalRow(
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
    assert.deepEqual(findWritesAboveFinalRow(h.build(), snapshotOf(entries)), expected);
    assert.deepEqual(findWritesAboveFinalRow(h.build(), snapshotOf([...entries].reverse())), expected);
  });
});

/** A binlog record of these (key, version) row images. */
function binlog(...rows: [number, number][]): Extract<CommitEvidence, { source: 'binlog' }> {
  return { source: 'binlog', key: rows.map(([k]) => k), version: rows.map(([, v]) => v) };
}

describe("findLostWrites (by MySQL's record of its commits)", () => {
  it('finds writes a Redis crash dropped although later writes of the same keys reached MySQL', () => {
    // Write-behind: v1..v3 of keys 1 and 2 acknowledged, Redis killed before the flush
    // (v2, v3 of key 1 and v2 of key 2 never flushed), then v4/v3 written and flushed.
    const h = new HistoryBuilder();
    h.write(0, 1, 0, 1, 1);
    const k1v2 = h.write(0, 1, 2, 3, 2);
    const k1v3 = h.write(0, 1, 4, 5, 3);
    h.write(1, 2, 0, 1, 1);
    const k2v2 = h.write(1, 2, 2, 3, 2);
    h.write(0, 1, 100, 101, 4);
    h.write(1, 2, 100, 101, 3);
    const history = h.build();
    const snapshot = snapshotOf([
      [1, 4, 4],
      [2, 3, 3],
    ]);
    const commits = binlog([1, 1], [2, 1], [1, 4], [2, 3]);
    const lost = findLostWrites(history, commits, snapshot);
    assert.deepEqual(lost, [
      { op: k1v2, key: 1, version: 2, finalDbVersion: 4 },
      { op: k1v3, key: 1, version: 3, finalDbVersion: 4 },
      { op: k2v2, key: 2, version: 2, finalDbVersion: 3 },
    ]);
    // The final row hides all three: nothing is above it.
    assert.deepEqual(findWritesAboveFinalRow(history, snapshot), []);
    const report = check(history, snapshot, { commits });
    assert.equal(report.lostWrites.length, 3);
    assert.deepEqual(report.lostWritesMeasuredBy, { by: 'binlog' });
    assert.equal(report.valid, false);
  });

  it('does not count versions one flush statement wrote row by row, nor info and failed writes', () => {
    // A flush batch of v2, v3, v4 of key 5 in one multi-row upsert logs each row change.
    const h = new HistoryBuilder();
    h.write(0, 5, 0, 1, 2);
    h.write(0, 5, 2, 3, 3);
    h.write(0, 5, 4, 5, 4);
    h.write(0, 5, 6, 7, 5, 'info');
    h.write(0, 5, 8, 9, 6, 'fail');
    const commits = binlog([5, 2], [5, 3], [5, 4]);
    assert.deepEqual(findLostWrites(h.build(), commits, snapshotOf([[5, 4, 4]])), []);
  });

  it('says lost writes were not measured without the record, and keeps the final-row count', () => {
    const h = new HistoryBuilder();
    h.write(0, 1, 0, 1, 7);
    const report = check(h.build(), snapshotOf([[1, 6, 6]]), {
      commits: { source: 'unavailable', reason: 'external server: no binlog access' },
    });
    assert.deepEqual(report.lostWrites, []);
    assert.deepEqual(report.lostWritesMeasuredBy, {
      by: 'unavailable',
      reason: 'external server: no binlog access',
    });
    assert.equal(report.writesAboveFinalRow.length, 1);
    assert.equal(report.valid, false);
  });
});
