import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RunMetrics } from '../../../bench/history/metrics.ts';

const MS = 1e6;

describe('RunMetrics', () => {
  it('summarises latencies per kind in milliseconds within HDR precision', () => {
    const metrics = new RunMetrics();
    // Reads of 1..100 ms, one per ms; writes all 2 ms.
    for (let ms = 1; ms <= 100; ms++) metrics.recordRead(ms * MS, 0.5e9, ms % 2 === 0);
    for (let i = 0; i < 10; i++) metrics.recordWrite(2 * MS, 0.5e9);
    const snapshot = metrics.snapshot();
    assert.equal(snapshot.read.count, 100);
    assert.ok(Math.abs(snapshot.read.p50 - 50) <= 0.05, String(snapshot.read.p50));
    assert.ok(Math.abs(snapshot.read.p90 - 90) <= 0.1, String(snapshot.read.p90));
    assert.ok(Math.abs(snapshot.read.p99 - 99) <= 0.1, String(snapshot.read.p99));
    assert.ok(Math.abs(snapshot.read.max - 100) <= 0.1, String(snapshot.read.max));
    assert.ok(Math.abs(snapshot.read.mean - 50.5) <= 0.1, String(snapshot.read.mean));
    assert.equal(snapshot.write.count, 10);
    assert.equal(snapshot.write.p50, 2);
    assert.equal(snapshot.write.max, 2);
    assert.equal(snapshot.cacheHits, 50);
    assert.equal(snapshot.cacheMisses, 50);
    assert.equal(snapshot.reads, 100);
    assert.equal(snapshot.writes, 10);
  });

  it('builds a per-second timeline by completion time, clamping late completions into the last second', () => {
    const metrics = new RunMetrics(2);
    metrics.recordRead(1 * MS, 0.1e9, true);
    metrics.recordWrite(3 * MS, 0.9e9);
    metrics.recordRead(5 * MS, 2.5e9, false);
    metrics.recordError(2.5e9, 'ETIMEDOUT');
    metrics.recordWrite(7 * MS, 3.2e9);
    metrics.recordError(3.2e9, 'ETIMEDOUT');
    metrics.recordError(3.2e9, 'ECONNRESET');
    const { timeline, errors, errorsByKind } = metrics.snapshot();
    assert.deepEqual(
      timeline.map((s) => [s.second, s.ops, s.reads, s.writes, s.errors]),
      [
        [0, 2, 1, 1, 0],
        [1, 0, 0, 0, 0],
        [2, 2, 1, 1, 3],
      ],
    );
    // Per-second histograms keep 2 significant digits: within 1%.
    const near = (actual: number | undefined, expected: number) =>
      assert.ok(Math.abs((actual ?? Number.NaN) - expected) <= expected * 0.01, `${actual} vs ${expected}`);
    near(timeline[0]?.readP99Ms, 1);
    near(timeline[0]?.writeP99Ms, 3);
    assert.equal(timeline[1]?.readP99Ms, 0);
    near(timeline[2]?.writeP99Ms, 7);
    assert.equal(errors, 3);
    assert.deepEqual(errorsByKind, { ETIMEDOUT: 2, ECONNRESET: 1 });
  });

  it('reports zeros when nothing was measured', () => {
    const snapshot = new RunMetrics().snapshot();
    assert.deepEqual(snapshot.read, { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 });
    assert.equal(snapshot.timeline.length, 1);
  });
});
