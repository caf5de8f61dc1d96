import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { httpDriver } from '../../../bench/drivers/http.ts';
import { LoadPhases } from '../../../bench/drivers/phases.ts';
import type { DriverOutcome } from '../../../bench/drivers/types.ts';
import { RunClock } from '../../../bench/history/clock.ts';
import { RunMetrics } from '../../../bench/history/metrics.ts';
import { OperationRecorder } from '../../../bench/history/operation-recorder.ts';
import { HistoryRecorder } from '../../../bench/history/recorder.ts';
import { type DirectConnections, openDirect } from '../../../bench/run/direct.ts';
import { loadItems, makePayload } from '../../../bench/run/load-items.ts';
import { takeSnapshot } from '../../../bench/run/snapshot.ts';
import { createOperationStream, type WorkloadSpec } from '../../../bench/workload/workload.ts';
import { check } from '../../../checker/index.ts';
import { type History, OUTCOME_OK } from '../../../checker/types.ts';
import { startLocalEnvironment } from '../../../services/local.ts';
import type { Environment } from '../../../services/types.ts';
import { defaultStrategyContext } from '../../../strategies/defaults.ts';
import { findStrategy } from '../../../strategies/registry.ts';
import type { CacheStrategy } from '../../../strategies/types.ts';

const WORKLOAD: WorkloadSpec = {
  name: 'ycsb-a',
  readRatio: 0.5,
  distribution: 'zipfian',
  zipfConstant: 0.99,
  keys: 200,
  valueSize: 64,
};
const SEED = 42;
const CLIENTS = 4;

describe('HTTP driver: a 2 s autocannon run against db-only over HTTP', () => {
  let env: Environment;
  let direct: DirectConnections;
  let strategy: CacheStrategy;
  let outcome: DriverOutcome;
  let recorded: History;
  const history = new HistoryRecorder();
  const metrics = new RunMetrics();
  const clock = new RunClock();
  let measureCalls = 0;

  before(async () => {
    env = await startLocalEnvironment();
    direct = await openDirect(env.endpoints);
    const payload = makePayload(WORKLOAD.valueSize, SEED);
    await loadItems(direct, WORKLOAD.keys, payload);
    const entry = findStrategy('db-only');
    assert.ok(entry);
    strategy = await entry.factory(defaultStrategyContext(env.endpoints, { now: clock.now }));
    const recorder = new OperationRecorder(history, metrics, clock.now, WORKLOAD.keys);
    const phases = new LoadPhases(0, 2000).onMeasure(() => {
      measureCalls++;
      clock.restart();
      recorder.measuring = true;
    });
    outcome = await httpDriver.run({
      strategy,
      recorder,
      payload,
      workload: WORKLOAD,
      seed: SEED,
      load: { kind: 'closed', clients: CLIENTS },
      phases,
      clock,
    });
    history.closeOpen(clock.now());
    recorded = history.toHistory();
  });

  after(async () => {
    await strategy?.close();
    await direct?.close();
    await env?.stop();
  });

  it('measures once, for about the duration, and stops by duration', () => {
    assert.equal(measureCalls, 1);
    assert.equal(outcome.state, 'completed');
    assert.ok(outcome.state === 'completed' && outcome.stopReason === 'duration');
    const { measuredMs, droppedOps, abandonedOps } = outcome.figures;
    assert.ok(measuredMs >= 1900 && measuredMs < 10_000, `measured ${measuredMs} ms`);
    assert.equal(droppedOps, 0);
    assert.equal(abandonedOps, 0);
  });

  it("maps autocannon's figures: every response 2xx, no errors", () => {
    const figures = outcome.figures.http;
    assert.ok(figures);
    assert.equal(figures.tool, 'autocannon');
    assert.equal(figures.connections, CLIENTS);
    assert.equal(figures.overallRate, null);
    assert.ok(figures.completed > 0);
    assert.equal(figures.responses2xx, figures.completed);
    assert.equal(figures.non2xx, 0);
    assert.equal(figures.errors, 0);
    assert.deepEqual(Object.keys(figures.statusCodes), ['200']);
    assert.ok(
      figures.latencyMs.p50 <= figures.latencyMs.p99 && figures.latencyMs.p99 <= figures.latencyMs.max,
    );
  });

  it('records one completed, ok history row per request the service answered', () => {
    const figures = outcome.figures.http;
    assert.ok(figures);
    // autocannon drops the requests in flight when it stops; the service still answers and records them.
    assert.ok(
      recorded.length >= figures.completed,
      `${recorded.length} rows, ${figures.completed} responses`,
    );
    assert.ok(recorded.length <= figures.completed + CLIENTS);
    for (let op = 0; op < recorded.length; op++) {
      assert.equal(recorded.outcome[op], OUTCOME_OK);
      assert.ok((recorded.completeNs[op] as number) >= (recorded.invokeNs[op] as number));
    }
    const snapshot = metrics.snapshot();
    assert.equal(snapshot.reads + snapshot.writes, recorded.length);
  });

  it("sends each client's seeded operation sequence, in order", () => {
    for (let client = 0; client < CLIENTS; client++) {
      const expected = createOperationStream(WORKLOAD, SEED, client);
      let count = 0;
      for (let op = 0; op < recorded.length; op++) {
        if (recorded.client[op] !== client) continue;
        expected.next();
        assert.equal(recorded.kind[op], expected.kind, `client ${client} op ${count} kind`);
        assert.equal(recorded.key[op], expected.key, `client ${client} op ${count} key`);
        count++;
      }
      assert.ok(count > 0, `client ${client} sent requests`);
    }
  });

  it('db-only over HTTP shows zero anomalies', async () => {
    const snapshot = await takeSnapshot(direct, WORKLOAD.keys, clock.now);
    const report = check(recorded, snapshot);
    assert.equal(report.stale.staleReads, 0);
    assert.ok(report.stale.readsChecked > 0);
    assert.equal(report.divergentKeys.length, 0);
    assert.equal(report.lostWrites.length, 0);
    assert.equal(report.valid, true);
  });
});
