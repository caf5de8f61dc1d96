import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check } from '../../checker/index.ts';
import { HistoryBuilder, snapshotOf } from './history-builder.ts';

describe('check', () => {
  it('finds nothing in a correct history and says it is valid', () => {
    const h = new HistoryBuilder();
    h.read(0, 1, 0, 1, 0);
    h.write(0, 1, 2, 3, 1);
    h.read(1, 1, 4, 5, 1);
    h.write(0, 2, 4, 5, 1, 'info');
    const report = check(
      h.build(),
      snapshotOf([
        [1, 1, 1],
        [2, 1, 0],
      ]),
    );
    assert.equal(report.valid, true);
    assert.equal(report.stale.staleReads, 0);
    assert.equal(report.stale.readsChecked, 2);
    assert.deepEqual(report.divergentKeys, []);
    assert.deepEqual(report.lostWrites, []);
    assert.deepEqual(report.examples, []);
    assert.deepEqual(report.nines, []);
    assert.deepEqual(report.visibility, [{ fromMs: 1, toMs: 2, reads: 1, visibleShare: 1 }]);
    assert.deepEqual(report.series, { staleReads: [0] });
  });

  it('is invalid on each kind of anomaly alone', () => {
    const stale = new HistoryBuilder();
    stale.write(0, 1, 0, 1, 1);
    stale.read(1, 1, 2, 3, 0);
    assert.equal(check(stale.build(), snapshotOf([[1, 1, 0]])).valid, false);

    const clean = new HistoryBuilder();
    clean.write(0, 1, 0, 1, 1);
    assert.equal(check(clean.build(), snapshotOf([[1, 1, 1]])).valid, true);
    assert.equal(check(clean.build(), snapshotOf([[1, 1, 2]])).valid, false);
    assert.equal(check(clean.build(), snapshotOf([[1, 0, 0]])).valid, false);
  });

  it('puts everything together with custom buckets and probes', () => {
    const h = new HistoryBuilder();
    h.write(0, 1, 0, 1, 1);
    h.write(0, 1, 2, 3, 2);
    h.read(1, 1, 13, 14, 1);
    h.read(1, 1, 23, 24, 2);
    const report = check(h.build(), snapshotOf([[1, 2, 1]]), {
      visibilityBucketsMs: [0, 15],
      probes: [{ op: 1, key: 1, delayMs: 100, consistent: false }],
    });
    assert.equal(report.valid, false);
    assert.deepEqual(report.stale, {
      staleReads: 1,
      readsChecked: 2,
      staleReadRate: 0.5,
      readsAfterWrite: 2,
      staleReadRateAfterWrite: 0.5,
      ageP50Ms: 10,
      ageP99Ms: 10,
      ageMaxMs: 10,
      maxVersionLag: 1,
    });
    assert.deepEqual(report.visibility, [
      { fromMs: 0, toMs: 15, reads: 1, visibleShare: 0 },
      { fromMs: 15, toMs: Number.POSITIVE_INFINITY, reads: 1, visibleShare: 1 },
    ]);
    assert.deepEqual(report.divergentKeys, [{ key: 1, dbVersion: 2, cacheVersion: 1, kind: 'cache-older' }]);
    assert.deepEqual(report.nines, [
      {
        delayMs: 100,
        probes: 1,
        inconsistent: 1,
        consistentShare: 0,
        keys: 1,
        keyWeightedShare: 0,
        flushLagged: 0,
      },
    ]);
    assert.deepEqual(
      report.examples.map((e) => e.kind),
      ['stale-read', 'divergent-key'],
    );
  });
});
