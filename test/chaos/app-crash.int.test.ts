import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LoadPhases } from '../../bench/drivers/phases.ts';
import type { DriverOutcome } from '../../bench/drivers/types.ts';
import { WORKER_DIED, workersDriver } from '../../bench/drivers/workers.ts';
import { RunClock } from '../../bench/history/clock.ts';
import { RunMetrics } from '../../bench/history/metrics.ts';
import { OperationRecorder } from '../../bench/history/operation-recorder.ts';
import { HistoryRecorder } from '../../bench/history/recorder.ts';
import { defaultWorkload } from '../../bench/run/defaults.ts';
import { loadItems, makePayload } from '../../bench/run/load-items.ts';
import { runStrategy } from '../../bench/run/pipeline.ts';
import { assignFaultIds } from '../../chaos/index.ts';
import { OUTCOME_INFO, OUTCOME_OK } from '../../checker/types.ts';
import type { AppProcessControl } from '../../services/types.ts';
import { defaultStrategyContext } from '../../strategies/defaults.ts';
import { findStrategy } from '../../strategies/registry.ts';
import { shortRun } from '../bench/run/short-run.ts';
import { useLocalServices } from '../fixtures/local-services.ts';

const KEYS = 200;
const SEED = 41;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error: unknown) {
    assert.equal((error as NodeJS.ErrnoException).code, 'ESRCH');
    return false;
  }
}

async function waitFor(what: string, condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${ms}ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('app-crash: an application worker process killed with operations in flight (real services)', () => {
  const local = useLocalServices();

  it('the killed PID is gone, a replacement serves its clients, its in-flight operations are info from their invoke', async () => {
    const entry = findStrategy('cache-aside');
    assert.ok(entry);
    const workload = defaultWorkload({ name: 'ycsb-a', keys: KEYS, valueSize: 32 });
    const payload = makePayload(32, SEED);
    await loadItems(local.direct, KEYS, payload, false);
    const strategy = await entry.factory(defaultStrategyContext(local.env.endpoints, {}));
    const clock = new RunClock();
    const history = new HistoryRecorder();
    const recorder = new OperationRecorder(history, new RunMetrics(), clock.now, KEYS);
    const phases = new LoadPhases(300, 6000);
    phases.onMeasure(() => {
      clock.restart();
      recorder.measuring = true;
    });
    let app: AppProcessControl | undefined;
    let outcome: DriverOutcome | undefined;
    const running = workersDriver
      .run({
        strategy,
        recorder,
        payload,
        workload,
        seed: SEED,
        load: { kind: 'closed', clients: 4 },
        application: {
          strategy: 'cache-aside',
          endpoints: local.env.endpoints,
          viaProxy: true,
          ttlSeconds: 0,
          flushIntervalMs: 50,
          flushBatchSize: 100,
          strategyOptions: {},
          errorPolicy: undefined,
          workers: 2,
          standby: true,
        },
        phases,
        clock,
        attachApplication: (control) => {
          app = control;
        },
      })
      .then((result) => {
        outcome = result;
      });
    try {
      assert.equal(await phases.measuring, true);
      await waitFor('measured operations', () => recorder.issued > 50);
      assert.ok(app, 'the driver attached its workers before measurement');
      const before = app.workerPids();
      assert.ok(
        before['worker 0'] !== undefined && before['worker standby'] !== undefined,
        JSON.stringify(before),
      );
      const crash = await app.crashWorker(0);
      const crashedAtNs = clock.now();
      assert.equal(crash.pid, before['worker 0']);
      assert.ok(crash.inFlight >= 1, `${crash.inFlight} operations in flight at the kill`);
      assert.equal(alive(crash.pid), false, 'the killed worker is gone');
      assert.deepEqual(app.crashedSlots(), [0]);
      assert.equal(app.workerPids()['worker 0'], undefined);
      await app.replaceCrashed();
      const healedAtNs = clock.now();
      const replacement = app.workerPids()['worker 0'];
      assert.equal(replacement, before['worker standby'], 'the standby took the slot');
      assert.ok(replacement !== undefined && alive(replacement));
      assert.deepEqual(app.crashedSlots(), []);
      // Slot 0 drives clients 0 and 2; the replacement completes their operations after the heal.
      await waitFor('the replacement to complete operations', () => {
        const h = history.toHistory();
        for (let op = 0; op < h.length; op++) {
          if ((h.client[op] as number) % 2 === 0 && (h.invokeNs[op] as number) > healedAtNs) {
            if (h.outcome[op] === OUTCOME_OK) return true;
          }
        }
        return false;
      });
      await running;
      assert.equal(outcome?.state, 'completed', JSON.stringify(outcome));
      const counters = outcome?.figures.workerStats?.counters ?? {};
      assert.equal(counters.appCrashes, 1);
      assert.equal(counters.appReplacements, 1);
      assert.equal(counters.appReplacementsSpawned, 0);
      assert.equal(counters.appCrashOpsInFlight, crash.inFlight);
      const h = history.toHistory();
      const died = h.errorKinds.indexOf(WORKER_DIED);
      const infoRows: number[] = [];
      for (let op = 0; op < h.length; op++) if (h.error[op] === died) infoRows.push(op);
      assert.equal(infoRows.length, crash.inFlight, 'every operation in flight at the kill, and no other');
      for (const op of infoRows) {
        assert.equal(h.outcome[op], OUTCOME_INFO);
        assert.equal((h.client[op] as number) % 2, 0, 'a client of the killed slot');
        const invoke = h.invokeNs[op] as number;
        assert.ok(invoke >= 0 && invoke < crashedAtNs, `invoked ${invoke} before the kill ${crashedAtNs}`);
        assert.ok((h.completeNs[op] as number) >= invoke);
      }
    } finally {
      phases.stop('interrupted');
      await running;
      await strategy.close();
    }
  });

  it('db-only with --workers 3 and an app crash: info operations, zero anomalies', async () => {
    const entry = findStrategy('db-only');
    assert.ok(entry);
    // One crash: the standby connected before the load takes the slot (a second crash would wait
    // for the next standby, which a loaded machine may take seconds to start).
    const faultPlan = assignFaultIds([
      { fault: 'app-crash', target: 'app', params: { worker: 1 }, at: 500, duration: 400 },
    ]);
    const options = shortRun(SEED, { driver: 'workers', workers: 3, durationMs: 2500, faultPlan });
    const warnings: string[] = [];
    const { result, history } = await runStrategy(entry, {
      env: local.env,
      direct: local.direct,
      options,
      onEvent: (event) => {
        if (event.type === 'warning') warnings.push(event.message);
      },
    });
    assert.deepEqual(warnings, []);
    assert.equal(result.run.strategyCounters?.appCrashes, 1);
    assert.equal(result.run.strategyCounters?.appReplacements, 1);
    assert.deepEqual(
      history.faults.map((event) => `${event.id}:${event.phase}`),
      ['app-crash#1:start', 'app-crash#1:heal'],
    );
    assert.ok((result.throughput.errorsByKind[WORKER_DIED] ?? 0) >= 1, JSON.stringify(result.throughput));
    assert.equal(result.consistency.valid, true);
    assert.equal(result.consistency.staleReads, 0);
    assert.equal(result.consistency.divergentKeys, 0);
    assert.equal(result.consistency.lostWrites, 0);
  });
});
