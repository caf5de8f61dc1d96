import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyseFaultWindows } from '../../checker/fault-windows.ts';
import type { History } from '../../checker/types.ts';
import { HistoryBuilder } from './history-builder.ts';

/** A read of `key` every 10 ms from `fromMs` to `toMs`, returning `version(t)`. */
function steadyReads(
  builder: HistoryBuilder,
  fromMs: number,
  toMs: number,
  key: number,
  version: (t: number) => number,
): void {
  for (let t = fromMs; t < toMs; t += 10) builder.read(0, key, t, t + 1, version(t));
}

describe('analyseFaultWindows', () => {
  it('splits operations, errors, latencies and stale reads at the window', () => {
    const b = new HistoryBuilder();
    b.write(0, 1, 100, 110, 1);
    b.read(1, 1, 200, 205, 1);
    b.write(0, 1, 1100, 1150, 2);
    b.read(1, 1, 1200, 1300, 1); // stale: v2 completed at 1150
    b.read(1, 1, 1400, 1401, 2);
    b.write(0, 2, 1500, 1900, -1, 'info');
    b.read(1, 1, 2500, 2520, 2);
    const unanswered = b.invoke(2, 'read', 3, 2900);
    b.info(unanswered, 3000);
    const history: History = b.build();
    history.errorKinds.push('open-at-stop');
    history.error[unanswered] = 2;

    const { inside, outside, recoveryMs } = analyseFaultWindows(history, [{ startMs: 1000, healMs: 2000 }], {
      runEndMs: 3000,
      unansweredErrorKind: 'open-at-stop',
    });
    assert.deepEqual(inside, {
      durationMs: 1000,
      ops: 4,
      reads: 2,
      writes: 2,
      errors: 1,
      okOps: 3,
      goodput: 3,
      attemptedOpsPerSec: 4,
      errorRate: 0.25,
      latency: { read: { p50Ms: 1, p99Ms: 100 }, write: { p50Ms: 50, p99Ms: 50 } },
      failedLatency: { p50Ms: 400, p99Ms: 400 },
      readsChecked: 2,
      staleReads: 1,
      staleReadRate: 0.5,
    });
    assert.deepEqual(outside, {
      durationMs: 2000,
      ops: 4,
      reads: 3,
      writes: 1,
      errors: 0,
      okOps: 3,
      goodput: 1.5,
      attemptedOpsPerSec: 2,
      errorRate: 0,
      latency: { read: { p50Ms: 5, p99Ms: 20 }, write: { p50Ms: 10, p99Ms: 10 } },
      failedLatency: { p50Ms: 0, p99Ms: 0 },
      readsChecked: 2,
      staleReads: 0,
      staleReadRate: 0,
    });
    // Two ok operations in the calm second before the fault, one in the only second after the heal.
    assert.deepEqual(recoveryMs, [null]);
  });

  it('merges overlapping windows and clips an unhealed one at the end of the run', () => {
    const b = new HistoryBuilder();
    steadyReads(b, 0, 4000, 1, () => 0);
    const windows = [
      { startMs: 1000, healMs: 2000 },
      { startMs: 1500, healMs: 2500 },
      { startMs: 3500, healMs: null },
    ];
    const { inside, outside, recoveryMs } = analyseFaultWindows(b.build(), windows, { runEndMs: 4000 });
    assert.equal(inside.durationMs, 2000);
    assert.equal(inside.ops, 200);
    assert.equal(outside.durationMs, 2000);
    assert.equal(outside.ops, 200);
    assert.deepEqual(recoveryMs, [0, 0, null]);
  });

  it('recovers when throughput is back to its level before the fault: no stale read anywhere', () => {
    const b = new HistoryBuilder();
    steadyReads(b, 0, 3000, 1, () => 0);
    // Nothing completes during the fault nor in the first second after the heal.
    steadyReads(b, 6000, 8000, 1, () => 0);
    const { recoveryMs, inside } = analyseFaultWindows(b.build(), [{ startMs: 3000, healMs: 5000 }], {
      runEndMs: 8000,
    });
    assert.equal(inside.ops, 0);
    assert.equal(inside.staleReads, 0);
    assert.deepEqual(recoveryMs, [1000]);
  });

  it('does not count operations that fail fast as recovered throughput', () => {
    const b = new HistoryBuilder();
    steadyReads(b, 0, 3000, 1, () => 0);
    // After the heal at 5000 ms, twice the usual rate, but every read fails until 6500 ms.
    for (let t = 3000; t < 6500; t += 5) b.read(0, 1, t, t + 1, -1, 'info');
    steadyReads(b, 6500, 9000, 1, () => 0);
    const { recoveryMs, inside } = analyseFaultWindows(b.build(), [{ startMs: 3000, healMs: 5000 }], {
      runEndMs: 9000,
    });
    assert.equal(inside.errors, 400);
    // [5000, 6000) and [6000, 7000) hold 0 and 50 ok reads against 100 before.
    assert.deepEqual(recoveryMs, [2000]);
  });

  it('recovers only when reads stop being stale', () => {
    const b = new HistoryBuilder();
    b.write(0, 1, 0, 1, 1);
    b.write(0, 1, 4000, 4001, 2);
    // Full throughput throughout, but the cache serves v1 until 7000 ms.
    steadyReads(b, 10, 9000, 1, (t) => (t < 7000 ? 1 : 2));
    const { recoveryMs, inside } = analyseFaultWindows(b.build(), [{ startMs: 3000, healMs: 5000 }], {
      runEndMs: 9000,
    });
    assert.equal(inside.staleReads, 99); // 4010 … 4990
    assert.deepEqual(recoveryMs, [2000]);
  });

  it('reports null when the load never comes back within the run', () => {
    const b = new HistoryBuilder();
    steadyReads(b, 0, 3000, 1, () => 0);
    steadyReads(b, 5000, 8000, 1, () => 0);
    const history = b.build();
    const neverBack = analyseFaultWindows(history, [{ startMs: 3000, healMs: 8000 }], { runEndMs: 10_000 });
    assert.deepEqual(neverBack.recoveryMs, [null]);
    const healedTooLate = analyseFaultWindows(history, [{ startMs: 3000, healMs: 9500 }], {
      runEndMs: 10_000,
    });
    assert.deepEqual(healedTooLate.recoveryMs, [null]);
    const nothingBefore = analyseFaultWindows(history, [{ startMs: 500, healMs: 5000 }], {
      runEndMs: 10_000,
    });
    assert.deepEqual(nothingBefore.recoveryMs, [null]);
  });

  it('says a fault had no effect when the run never left its level, and judges by the noise before it', () => {
    // Before the fault the seconds alternate 80 and 120 ok reads (mean 100, noise 20): a fault
    // second of 85 is within three deviations, so the fault changed nothing measurable.
    const b = new HistoryBuilder();
    for (let second = 0; second < 4; second++) {
      const step = second % 2 === 0 ? 12.5 : 1000 / 120;
      for (let t = second * 1000; t < (second + 1) * 1000 - 1e-9; t += step) b.read(0, 1, t, t + 1, 0);
    }
    for (let t = 4000; t < 5000; t += 1000 / 85) b.read(0, 1, t, t + 1, 0);
    steadyReads(b, 5000, 9000, 1, () => 0);
    const analysis = analyseFaultWindows(b.build(), [{ startMs: 4000, healMs: 5000 }], { runEndMs: 9000 });
    assert.deepEqual(analysis.effects, ['none']);
    assert.deepEqual(analysis.recoveryMs, [0]);
  });

  it('counts as recovered only when the level holds for several seconds in a row', () => {
    const b = new HistoryBuilder();
    steadyReads(b, 0, 3000, 1, () => 0);
    // Heal at 4000: one good second, then two bad ones, then good again from 7000 on.
    steadyReads(b, 4000, 5000, 1, () => 0);
    for (let t = 5000; t < 7000; t += 40) b.read(0, 1, t, t + 1, 0);
    steadyReads(b, 7000, 11_000, 1, () => 0);
    const analysis = analyseFaultWindows(b.build(), [{ startMs: 3000, healMs: 4000 }], { runEndMs: 11_000 });
    assert.deepEqual(analysis.effects, ['recovered']);
    assert.deepEqual(analysis.recoveryMs, [3000]);
  });

  it('names why recovery cannot be said: never healed, no calm second before', () => {
    const b = new HistoryBuilder();
    steadyReads(b, 0, 6000, 1, () => 0);
    const history = b.build();
    const windows = [
      { startMs: 500, healMs: 1500 },
      { startMs: 4000, healMs: null },
    ];
    assert.deepEqual(analyseFaultWindows(history, windows, { runEndMs: 6000 }).effects, [
      'no-baseline',
      'not-healed',
    ]);
  });
});
