import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { runClosedLoop } from '../../../bench/drivers/closed-loop.ts';
import { runOpenLoop } from '../../../bench/drivers/open-loop.ts';
import { OperationRunner } from '../../../bench/drivers/operation-runner.ts';
import { LoadPhases } from '../../../bench/drivers/phases.ts';
import { RunClock } from '../../../bench/history/clock.ts';
import { RunMetrics } from '../../../bench/history/metrics.ts';
import { OperationRecorder } from '../../../bench/history/operation-recorder.ts';
import { HistoryRecorder } from '../../../bench/history/recorder.ts';
import { createOperationStream, type WorkloadSpec } from '../../../bench/workload/workload.ts';
import { OP_READ, OP_WRITE, OUTCOME_INFO, OUTCOME_OK } from '../../../checker/types.ts';
import type { CacheStrategy } from '../../../strategies/types.ts';

/**
 * The driver's timing and bookkeeping on an in-process key-value map that answers after
 * `delayMs` (the drivers' own logic, no service involved; the real strategies are covered
 * by the integration tests). Writes of key 13 throw, to exercise unknown outcomes.
 */
function inMemoryStrategy(delayMs: number): CacheStrategy {
  const versions = new Map<number, number>();
  return {
    name: 'in-memory',
    async read(key) {
      await sleep(delayMs);
      const version = versions.get(key);
      return version === undefined
        ? { found: false, source: 'db' }
        : { found: true, version, payload: new Uint8Array(), source: 'db' };
    },
    async write(key) {
      await sleep(delayMs);
      if (key === 13) throw Object.assign(new Error('boom'), { code: 'EBOOM' });
      const version = (versions.get(key) ?? 0) + 1;
      versions.set(key, version);
      return { version };
    },
    describe: () => ({ name: 'in-memory', summary: '', options: {} }),
    stats: () => ({ dbQueries: 0, redisCommands: 0 }),
    close: async () => undefined,
  };
}

const workload: WorkloadSpec = {
  name: 'ycsb-a',
  readRatio: 0.5,
  distribution: 'uniform',
  zipfConstant: 0.99,
  keys: 20,
  valueSize: 8,
};

function setup(delayMs: number, warmupMs: number, durationMs: number) {
  const clock = new RunClock();
  const history = new HistoryRecorder(16);
  const metrics = new RunMetrics();
  const recorder = new OperationRecorder(history, metrics, clock.now, workload.keys);
  const runner = new OperationRunner(inMemoryStrategy(delayMs), new Uint8Array(8), recorder);
  const control = new LoadPhases(warmupMs, durationMs).onMeasure(() => {
    clock.restart();
    recorder.measuring = true;
  });
  return { clock, history, metrics, runner, control };
}

describe('closed loop', () => {
  it('runs each client one operation at a time, in its seeded order, recording only measured operations', async () => {
    const { history, metrics, runner, control } = setup(2, 100, 300);
    const clients = 4;
    const outcome = await runClosedLoop(
      runner,
      Array.from({ length: clients }, (_, id) => createOperationStream(workload, 7, id)),
      control,
    );
    assert.equal(outcome.stopReason, 'duration');
    assert.equal(outcome.abandonedOps, 0);
    // The stop timer never fires early (1 ms of timer slack); on a busy machine it fires late,
    // so the upper bound only says the load stopped at all.
    assert.ok(outcome.measuredMs >= 299 && outcome.measuredMs < 5000, String(outcome.measuredMs));
    const h = history.toHistory();
    assert.ok(h.length > 0);
    assert.equal(h.length, metrics.reads + metrics.writes);
    for (let client = 0; client < clients; client++) {
      const ops = [];
      for (let op = 0; op < h.length; op++) if (h.client[op] === client) ops.push(op);
      // One at a time: each operation is invoked after the previous one completed.
      for (let i = 1; i < ops.length; i++) {
        assert.ok((h.invokeNs[ops[i] ?? 0] ?? 0) >= (h.completeNs[ops[i - 1] ?? 0] ?? 0));
      }
      // Warm-up drew the first operations; the measured ones continue the same seeded sequence.
      const replay = createOperationStream(workload, 7, client);
      const drawn: Array<[number, number]> = [];
      for (let i = 0; i < 10_000; i++) {
        replay.next();
        drawn.push([replay.kind, replay.key]);
      }
      const measured = ops.map((op) => [h.kind[op], h.key[op]] as [number, number]);
      const offset = drawn.findIndex((_, start) =>
        measured.every((pair, i) => drawn[start + i]?.[0] === pair[0] && drawn[start + i]?.[1] === pair[1]),
      );
      assert.ok(
        offset > 0,
        `client ${client}: measured operations are not a run of its seeded sequence after warm-up`,
      );
    }
    for (let op = 0; op < h.length; op++) {
      const key = h.key[op];
      const failedWrite = h.kind[op] === OP_WRITE && key === 13;
      assert.equal(h.outcome[op], failedWrite ? OUTCOME_INFO : OUTCOME_OK);
      if (failedWrite) assert.equal(h.errorKinds[h.error[op] ?? 0], 'EBOOM');
      if (h.kind[op] === OP_READ) assert.ok((h.version[op] ?? -1) >= 0);
    }
  });
});

describe('open loop', () => {
  it('starts operations on schedule, counts the ones it could not start, and measures latency from the intended start', async () => {
    // 200 ops/s for 1 s, but at most 2 in flight of 40 ms each: capacity about 50 ops/s.
    const { clock, history, metrics, runner, control } = setup(40, 0, 1000);
    const outcome = await runOpenLoop(runner, createOperationStream(workload, 3, 0), 200, 2, clock, control);
    const done = history.toHistory().length;
    assert.ok(outcome.droppedOps > 0, 'nothing dropped');
    // Every operation due while measuring was run or dropped, none that was not due: as many as
    // the measured time holds (the stop timer fires late on a busy machine, and the schedule runs
    // on until it does), less those falling due in a stall just before the stop.
    const dueInMeasured = Math.floor((outcome.measuredMs * 200) / 1000);
    const accounted = done + outcome.droppedOps;
    assert.ok(
      accounted <= dueInMeasured + 2 && accounted >= 0.75 * dueInMeasured,
      `done ${done} + dropped ${outcome.droppedOps}, ${dueInMeasured} due in ${outcome.measuredMs} ms`,
    );
    const snapshot = metrics.snapshot();
    // At least the 40 ms service time, measured from the intended start; less a margin because
    // libuv starts a timer from the loop's cached time, which a busy iteration leaves stale.
    assert.ok(
      snapshot.read.p50 >= 30 && snapshot.write.p50 >= 30,
      `p50 ${snapshot.read.p50} / ${snapshot.write.p50}`,
    );
    const clients = new Set(history.toHistory().client);
    assert.ok([...clients].every((slot) => slot === 0 || slot === 1));
  });

  it('counts the time an operation waited to start: a 200 ms stall shows in the latency', async () => {
    const { clock, metrics, runner, control } = setup(5, 0, 1000);
    setTimeout(() => {
      const until = performance.now() + 200;
      while (performance.now() < until) {
        // Busy: the scheduler cannot start the operations falling due meanwhile.
      }
    }, 300);
    const outcome = await runOpenLoop(
      runner,
      createOperationStream(workload, 3, 0),
      100,
      100,
      clock,
      control,
    );
    assert.equal(outcome.droppedOps, 0);
    const { read, write } = metrics.snapshot();
    // Service time is 5 ms. About 15% of the operations fell due during the first 155 ms of
    // the stall and waited over 50 ms to start; measured from their actual start they would
    // all look like 5 ms.
    assert.ok(Math.max(read.p90, write.p90) >= 50, `p90 ${read.p90} / ${write.p90}`);
  });
});

describe('open loop without drops (--no-drop)', () => {
  it('queues the operations due during a stall of the strategy and counts their wait in their latency', async () => {
    // 100 ops/s for 1 s, 2 in flight of 5 ms each; from 300 ms the strategy stalls for 200 ms.
    const { clock, history, metrics, runner, control } = setup(5, 0, 1000);
    const stall = { until: 0 };
    const strategy = inMemoryStrategy(5);
    const stalled: CacheStrategy = {
      ...strategy,
      async read(key, op) {
        const waitMs = stall.until - performance.now();
        if (waitMs > 0) await sleep(waitMs);
        return strategy.read(key, op);
      },
      async write(key, payload, op) {
        const waitMs = stall.until - performance.now();
        if (waitMs > 0) await sleep(waitMs);
        return strategy.write(key, payload, op);
      },
    };
    const queued = new OperationRunner(stalled, new Uint8Array(8), runner.recorder);
    setTimeout(() => {
      stall.until = performance.now() + 200;
    }, 300);
    const outcome = await runOpenLoop(
      queued,
      createOperationStream(workload, 3, 0),
      100,
      2,
      clock,
      control,
      'queue',
    );
    assert.equal(outcome.droppedOps, 0);
    const h = history.toHistory();
    // Nothing dropped: every operation due in the second ran (the last ones may be cut by the stop).
    assert.ok(h.length >= 90, `${h.length} operations`);
    assert.ok(new Set(h.client).size <= 2);
    const { read, write } = metrics.snapshot();
    // About 20 operations fell due during the stall and waited behind it, up to ~200 ms:
    // from their intended start their latency shows it; from their actual start it would be 5 ms.
    assert.ok(Math.max(read.max, write.max) >= 150, `max ${read.max} / ${write.max}`);
    assert.ok(Math.max(read.p90, write.p90) >= 50, `p90 ${read.p90} / ${write.p90}`);
  });
});
