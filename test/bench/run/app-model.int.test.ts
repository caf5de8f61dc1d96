import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runStrategy } from '../../../bench/run/pipeline.ts';
import { assignFaultIds } from '../../../chaos/index.ts';
import { OP_WRITE } from '../../../checker/types.ts';
import { findStrategy } from '../../../strategies/registry.ts';
import { useLocalServices } from '../../fixtures/local-services.ts';
import { shortRun } from './short-run.ts';

describe('the application model in runStrategy (real services)', () => {
  const local = useLocalServices();

  const entry = (name: string) => {
    const found = findStrategy(name);
    assert.ok(found, name);
    return found;
  };

  it('redis-crash with fallback reads: cache-aside keeps a goodput inside the window, reads served from MySQL', async () => {
    const faultPlan = assignFaultIds([{ fault: 'redis-crash', at: 800, duration: 1200 }]);
    const options = shortRun(11, {
      durationMs: 3000,
      faultPlan,
      workload: { ...shortRun(11).workload, readRatio: 0.95 },
      errorPolicy: { onCacheError: 'fallback', onInvalidationError: 'retry' },
    });
    const { result } = await runStrategy(entry('cache-aside'), {
      env: local.env,
      direct: local.direct,
      options,
    });
    const inside = result.faultWindows?.inside;
    assert.ok(inside, 'the run has a fault window');
    assert.ok(inside.goodput > 0, `goodput inside the window ${inside.goodput}`);
    assert.ok(inside.reads > 0 && inside.okOps > 0);
    assert.ok((result.run.strategyCounters?.degradedReads ?? 0) > 0, 'reads were served from MySQL');
    assert.equal(result.run.strategyConfig.onCacheError, 'fallback');
    assert.equal(result.run.strategyConfig.onInvalidationError, 'retry');
  });

  it('--workers 2: db-only records every client of both processes on one clock, with no anomaly', async () => {
    const options = shortRun(12, { driver: 'workers', workers: 2 });
    const { result, history } = await runStrategy(entry('db-only'), {
      env: local.env,
      direct: local.direct,
      options,
    });
    assert.equal(result.run.driver, 'workers');
    assert.equal(result.run.strategyConfig.workers, 2);
    assert.ok(history.length > 100, `${history.length} operations`);
    assert.deepEqual(
      [...new Set(history.client)].sort((a, b) => a - b),
      [0, 1, 2, 3, 4, 5, 6, 7],
      'clients of both workers',
    );
    for (let op = 0; op < history.length; op++) {
      const invoke = history.invokeNs[op] as number;
      const complete = history.completeNs[op] as number;
      assert.ok(invoke >= 0 && complete >= invoke && complete < 10e9, `op ${op}: ${invoke}..${complete}`);
    }
    assert.ok(history.kind.includes(OP_WRITE));
    // Each worker takes its counters' baseline when the parent's `measure` message arrives, a few ms late.
    assert.ok(result.db.queries >= 0.9 * result.throughput.okOps, `db queries ${result.db.queries}`);
    assert.equal(result.consistency.valid, true);
    assert.equal(result.consistency.staleReads, 0);
    assert.equal(result.consistency.divergentKeys, 0);
    assert.equal(result.consistency.lostWrites, 0);
  });

  it('--workers 2: cache-aside runs in two processes and is checked the same way', async () => {
    const options = shortRun(13, { driver: 'workers', workers: 2 });
    const { result } = await runStrategy(entry('cache-aside'), {
      env: local.env,
      direct: local.direct,
      options,
    });
    assert.ok(result.throughput.okOps > 100);
    assert.ok(result.cache.hits > 0);
    assert.equal(result.consistency.lostWrites, 0);
    assert.equal(result.throughput.errors, 0);
  });
});
