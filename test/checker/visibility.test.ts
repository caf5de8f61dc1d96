import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_VISIBILITY_BUCKETS_MS, visibilityCurve, visibilityEdges } from '../../checker/index.ts';
import { HistoryBuilder } from './history-builder.ts';

describe('visibilityCurve', () => {
  it('buckets reads by the time since the latest completed write and gives the share that saw it', () => {
    const h = new HistoryBuilder();
    h.write(0, 1, 0, 1, 1);
    h.read(1, 1, 1.5, 2, 1); // t = 0.5 ms, sees v1
    h.read(1, 1, 1.8, 2, 0); // t = 0.8 ms, misses it
    h.write(2, 1, 1.7, 3, 2, 'info');
    h.read(1, 1, 1.9, 2, 2); // t = 0.9 ms, the newer in-flight v2 also counts as seen
    h.read(1, 1, 4, 5, 1); // t = 3 ms
    h.read(1, 1, 2001, 2002, 0); // t = 2000 ms, misses it
    h.read(1, 1, 0.5, 2, 1); // invoked before the write completed: not sampled
    h.read(1, 2, 10, 11, 0); // key never written: not sampled
    h.write(0, 3, 0, 1, 1);
    h.read(1, 3, 20001, 20002, 1); // t = 20 s, the open last bucket
    assert.deepEqual(visibilityCurve(h.build()), [
      { fromMs: 0, toMs: 1, reads: 3, visibleShare: 2 / 3 },
      { fromMs: 2, toMs: 5, reads: 1, visibleShare: 1 },
      { fromMs: 2000, toMs: 5000, reads: 1, visibleShare: 0 },
      { fromMs: 10000, toMs: Number.POSITIVE_INFINITY, reads: 1, visibleShare: 1 },
    ]);
  });

  it('measures t from the highest version completed, not the last completion', () => {
    const h = new HistoryBuilder();
    h.write(0, 1, 0, 10, 2);
    h.write(0, 1, 0, 30, 1);
    h.read(1, 1, 35, 36, 2); // t = 25 ms from v2, not 5 ms from v1
    assert.deepEqual(visibilityCurve(h.build(), [0, 10, 20, 50]), [
      { fromMs: 20, toMs: 50, reads: 1, visibleShare: 1 },
    ]);
  });

  it('uses custom edges and leaves out reads below the first edge', () => {
    const h = new HistoryBuilder();
    h.write(0, 1, 0, 1, 1);
    h.read(1, 1, 2, 3, 1); // t = 1 ms < 5
    h.read(1, 1, 11, 12, 0); // t = 10 ms
    h.read(1, 1, 101, 102, 1); // t = 100 ms
    assert.deepEqual(visibilityCurve(h.build(), [5, 50]), [
      { fromMs: 5, toMs: 50, reads: 1, visibleShare: 0 },
      { fromMs: 50, toMs: Number.POSITIVE_INFINITY, reads: 1, visibleShare: 1 },
    ]);
  });
});

describe('visibilityEdges', () => {
  it('appends the open edge to the defaults once', () => {
    const edges = visibilityEdges();
    assert.equal(edges.length, DEFAULT_VISIBILITY_BUCKETS_MS.length + 1);
    assert.equal(edges.at(-1), Number.POSITIVE_INFINITY);
    assert.deepEqual(visibilityEdges([0, 1, Number.POSITIVE_INFINITY]), [0, 1, Number.POSITIVE_INFINITY]);
  });

  it('rejects edges that are empty, negative, not ascending or not finite', () => {
    assert.throws(() => visibilityEdges([]), RangeError);
    assert.throws(() => visibilityEdges([-1, 2]), RangeError);
    assert.throws(() => visibilityEdges([0, 5, 5]), RangeError);
    assert.throws(() => visibilityEdges([0, Number.NaN]), RangeError);
    assert.throws(() => visibilityEdges([Number.POSITIVE_INFINITY]), RangeError);
  });
});
