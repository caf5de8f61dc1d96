import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findStaleReads, staleReadList, summarizeStaleReads } from '../../checker/index.ts';
import type { History, StaleRead } from '../../checker/types.ts';
import { HistoryBuilder, ms } from './history-builder.ts';

function staleOf(history: History): StaleRead[] {
  return staleReadList(findStaleReads(history));
}

describe('findStaleReads', () => {
  it('reports a stale read with its age from the first newer write and its lag to the latest', () => {
    const h = new HistoryBuilder();
    h.write(0, 7, 0, 1, 1);
    h.write(0, 7, 2, 3, 2);
    h.write(0, 7, 4, 5, 3);
    const read = h.read(1, 7, 10, 11, 1);
    assert.deepEqual(staleOf(h.build()), [
      { op: read, key: 7, versionRead: 1, latestVersion: 3, ageNs: ms(7), lag: 2 },
    ]);
  });

  it('counts a read of an absent key after a completed write as stale', () => {
    const h = new HistoryBuilder();
    h.write(0, 1, 0, 1, 1);
    const read = h.read(1, 1, 5, 6, 0);
    assert.deepEqual(staleOf(h.build()), [
      { op: read, key: 1, versionRead: 0, latestVersion: 1, ageNs: ms(4), lag: 1 },
    ]);
  });

  it('accepts an absent read before any write and reads of keys never written', () => {
    const h = new HistoryBuilder();
    h.read(1, 1, 0, 1, 0);
    h.write(0, 1, 2, 3, 1);
    h.read(1, 2, 10, 11, 0);
    const table = findStaleReads(h.build());
    assert.equal(table.count, 0);
    assert.equal(table.readsChecked, 2);
  });

  it('never lets an info write make a read stale, and lets reads observe it', () => {
    const h = new HistoryBuilder();
    h.write(0, 1, 0, 1, 1);
    h.write(0, 1, 2, 3, 2, 'info');
    h.write(0, 1, 4, 5, -1, 'info');
    h.read(1, 1, 10, 11, 2);
    h.read(1, 1, 12, 13, 1);
    assert.deepEqual(staleOf(h.build()), []);
  });

  it('ignores failed writes', () => {
    const h = new HistoryBuilder();
    h.write(0, 1, 0, 1, 1);
    h.write(0, 1, 2, 3, 2, 'fail');
    h.read(1, 1, 10, 11, 1);
    assert.deepEqual(staleOf(h.build()), []);
  });

  it('does not check reads that are not ok', () => {
    const h = new HistoryBuilder();
    h.write(0, 1, 0, 1, 3);
    h.read(1, 1, 5, 6, 0, 'fail');
    h.read(1, 1, 5, 6, 0, 'info');
    const table = findStaleReads(h.build());
    assert.equal(table.count, 0);
    assert.equal(table.readsChecked, 0);
  });

  it('accepts a read overlapping a write, including one invoked exactly at its completion', () => {
    const h = new HistoryBuilder();
    h.write(0, 1, 0, 1, 1);
    h.write(0, 1, 5, 10, 2);
    h.read(1, 1, 6, 8, 1);
    h.read(2, 1, 4, 12, 1);
    h.read(3, 1, 10, 11, 1);
    const later = h.read(3, 1, 10.5, 11, 1);
    assert.deepEqual(
      staleOf(h.build()).map((s) => [s.op, s.ageNs]),
      [[later, ms(0.5)]],
    );
  });

  it('handles writes completing out of version order', () => {
    const h = new HistoryBuilder();
    h.write(0, 1, 0, 30, 1);
    h.write(1, 1, 5, 10, 2);
    const during = h.read(2, 1, 20, 21, 1);
    const after = h.read(2, 1, 40, 41, 1);
    const fresh = h.read(2, 1, 42, 43, 2);
    const stale = staleOf(h.build());
    assert.deepEqual(
      stale.map((s) => [s.op, s.latestVersion, s.lag, s.ageNs]),
      [
        [during, 2, 1, ms(10)],
        [after, 2, 1, ms(30)],
      ],
    );
    assert.ok(!stale.some((s) => s.op === fresh));
  });

  it('finds stale reads on keys beyond the directly indexed key space', () => {
    const h = new HistoryBuilder();
    const big = 4_000_000_000; // beyond the directly indexed key space: the sparse path
    h.write(0, big, 0, 1, 5);
    h.write(0, 3, 0, 1, 1);
    const read = h.read(1, big, 3, 4, 4);
    h.read(1, 3, 3, 4, 1);
    h.read(1, big + 1, 3, 4, 0);
    assert.deepEqual(staleOf(h.build()), [
      { op: read, key: big, versionRead: 4, latestVersion: 5, ageNs: ms(2), lag: 1 },
    ]);
  });

  it('orders a hot key with many writes recorded out of completion order', () => {
    const h = new HistoryBuilder();
    // 100 writes recorded newest first: version v completes at v ms.
    for (let v = 100; v >= 1; v--) h.write(0, 1, v - 0.5, v, v);
    const read = h.read(1, 1, 50.25, 51, 40);
    assert.deepEqual(staleOf(h.build()), [
      { op: read, key: 1, versionRead: 40, latestVersion: 50, ageNs: ms(50.25 - 41), lag: 10 },
    ]);
  });
});

describe('summarizeStaleReads', () => {
  it('gives count, rate, nearest-rank age percentiles in ms and the largest lag', () => {
    const h = new HistoryBuilder();
    h.write(0, 1, 0, 10, 1);
    h.write(0, 2, 0, 10, 3);
    h.read(1, 1, 11, 12, 0);
    h.read(1, 1, 12, 13, 0);
    h.read(1, 2, 13, 14, 1);
    h.read(1, 1, 20, 21, 0);
    h.read(1, 1, 20, 21, 1);
    assert.deepEqual(summarizeStaleReads(findStaleReads(h.build())), {
      staleReads: 4,
      readsChecked: 5,
      staleReadRate: 0.8,
      readsAfterWrite: 5,
      staleReadRateAfterWrite: 0.8,
      ageP50Ms: 2,
      ageP99Ms: 10,
      ageMaxMs: 10,
      maxVersionLag: 2,
    });
  });

  it('rates stale reads over every ok read and over the reads that could be stale', () => {
    const h = new HistoryBuilder();
    h.read(1, 1, 0, 1, 1); // before any write of key 1 completed: cannot be stale
    h.write(0, 1, 0, 10, 2);
    h.read(1, 1, 5, 6, 1); // overlaps the write: cannot be stale
    h.read(1, 1, 11, 12, 1); // stale
    h.read(1, 1, 13, 14, 2); // after the write, fresh
    h.read(1, 9, 15, 16, 1); // key 9 never written
    h.read(1, 9, 17, 18, 1);
    const summary = summarizeStaleReads(findStaleReads(h.build()));
    assert.equal(summary.staleReads, 1);
    assert.equal(summary.readsChecked, 6);
    assert.equal(summary.staleReadRate, 1 / 6);
    assert.equal(summary.readsAfterWrite, 2);
    assert.equal(summary.staleReadRateAfterWrite, 0.5);
  });

  it('is all zero without stale reads', () => {
    assert.deepEqual(summarizeStaleReads(findStaleReads(new HistoryBuilder().build())), {
      staleReads: 0,
      readsChecked: 0,
      staleReadRate: 0,
      readsAfterWrite: 0,
      staleReadRateAfterWrite: 0,
      ageP50Ms: 0,
      ageP99Ms: 0,
      ageMaxMs: 0,
      maxVersionLag: 0,
    });
  });
});
