import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { runStrategy } from '../../../bench/run/pipeline.ts';
import type { ProgressSample } from '../../../bench/run/types.ts';
import { OP_READ, OP_WRITE, OUTCOME_OK } from '../../../checker/types.ts';
import { findStrategy } from '../../../strategies/registry.ts';
import type { StrategyEntry } from '../../../strategies/types.ts';
import { useLocalServices } from '../../fixtures/local-services.ts';
import { shortRun } from './short-run.ts';
import { setsCacheFromOldRow } from './wrong-strategies.ts';

describe('runStrategy against real services', () => {
  const local = useLocalServices();

  for (const seed of [1, 2]) {
    it(`db-only shows no stale read, divergent key or lost write (seed ${seed})`, async () => {
      const entry = findStrategy('db-only');
      assert.ok(entry);
      const { result, history } = await runStrategy(entry, {
        env: local.env,
        direct: local.direct,
        options: shortRun(seed),
      });
      assert.ok(result.throughput.reads > 0 && result.throughput.writes > 0);
      assert.equal(result.throughput.errors, 0);
      assert.equal(result.consistency.readsChecked, result.throughput.reads);
      assert.equal(result.consistency.staleReads, 0);
      assert.equal(result.consistency.divergentKeys, 0);
      assert.equal(result.consistency.lostWrites, 0);
      assert.equal(result.consistency.valid, true);
      assert.equal(result.cache.hitRatio, 0);
      assert.ok(result.db.queries >= result.throughput.reads + result.throughput.writes);
      // The history holds exactly the measured operations, all completed ok, on one clock.
      assert.equal(history.length, result.throughput.reads + result.throughput.writes);
      for (let op = 0; op < history.length; op++) {
        assert.equal(history.outcome[op], OUTCOME_OK);
        assert.ok((history.invokeNs[op] ?? -1) >= 0);
        assert.ok((history.completeNs[op] ?? -1) >= (history.invokeNs[op] ?? 0));
      }
    });
  }

  it('catches a strategy that sets the cache from the row it read before its own write', async () => {
    let sample: (() => ProgressSample) | undefined;
    const { result, report, history } = await runStrategy(setsCacheFromOldRow, {
      env: local.env,
      direct: local.direct,
      options: shortRun(3, { workload: { ...shortRun(3).workload, keys: 50 } }),
      onEvent: (event) => {
        if (event.type === 'load-start') sample = event.sample;
      },
    });
    // The live count applies the same definition online: it must agree with the checker.
    assert.equal(sample?.().staleSoFar, result.consistency.staleReads);
    assert.ok(result.consistency.staleReads > 0, `stale reads ${result.consistency.staleReads}`);
    assert.ok(result.consistency.divergentKeys > 0, `divergent keys ${result.consistency.divergentKeys}`);
    assert.equal(result.consistency.valid, false);
    assert.ok(result.consistency.divergent.every((d) => d.kind === 'cache-older'));
    // The worked examples carry the traced steps that explain them.
    assert.ok(result.consistency.staleness.maxVersionLag >= 1);
    assert.ok(report.examples.some((example) => example.steps.length > 0));
    let writes = 0;
    let reads = 0;
    for (let op = 0; op < history.length; op++) {
      if (history.kind[op] === OP_WRITE) writes++;
      if (history.kind[op] === OP_READ) reads++;
    }
    assert.equal(writes, result.throughput.writes);
    assert.equal(reads, result.throughput.reads);
  });

  it('drives an open loop at the target rate and counts operations it could not start', async () => {
    const entry = findStrategy('cache-aside');
    assert.ok(entry);
    const { result } = await runStrategy(entry, {
      env: local.env,
      direct: local.direct,
      options: shortRun(4, { load: { kind: 'open', rate: 200, maxInFlight: 32 } }),
    });
    const done = result.throughput.reads + result.throughput.writes;
    const loadModel = result.run.loadModel;
    assert.equal(loadModel.kind, 'open');
    // 200 ops/s: every operation due in the measured time (2 s, more when the stop timer fires
    // late on a busy machine) was run or dropped, none that was not due, less those falling
    // due in a stall just before the stop.
    const dropped = loadModel.kind === 'open' ? loadModel.droppedOps : Number.NaN;
    const due = Math.floor((result.run.durationMs * 200) / 1000);
    assert.ok(
      done + dropped <= due + 2 && done + dropped >= 0.75 * due && due >= 399,
      `done ${done} + dropped ${dropped}, ${due} due in ${result.run.durationMs} ms`,
    );
    assert.equal(result.consistency.lostWrites, 0);
  });

  it('stops early on abort and marks the result interrupted', async () => {
    const entry = findStrategy('db-only');
    assert.ok(entry);
    const abort = new AbortController();
    // Aborted a moment into the measured load, however long set-up and warm-up took on a busy
    // machine (bounded: the poll gives up with the run).
    const { result } = await runStrategy(entry, {
      env: local.env,
      direct: local.direct,
      options: shortRun(5, { durationMs: 60_000 }),
      signal: abort.signal,
      onEvent: (event) => {
        if (event.type !== 'load-start') return;
        const poll = setInterval(() => {
          if (abort.signal.aborted) clearInterval(poll);
          else if (event.sample().phase === 'measuring') {
            clearInterval(poll);
            setTimeout(() => abort.abort(), 300);
          }
        }, 50);
      },
    });
    abort.abort(); // ends the poll if the run never reached the measured load
    assert.equal(result.run.interrupted, true);
    assert.equal(result.run.interruptedDuring, 'load');
    assert.ok(result.run.durationMs < 5000, `measured ${result.run.durationMs} ms`);
    assert.equal(result.consistency.valid, true);
  });

  it('an abort during the drain cuts the drain short and says so in the result', async () => {
    const abort = new AbortController();
    const warnings: string[] = [];
    const started = performance.now();
    const { result } = await runStrategy(drainsUntilClosed(abort), {
      env: local.env,
      direct: local.direct,
      options: shortRun(6, { durationMs: 800 }),
      signal: abort.signal,
      onEvent: (event) => {
        if (event.type === 'warning') warnings.push(event.message);
      },
    });
    assert.equal(result.run.interrupted, true);
    assert.equal(result.run.interruptedDuring, 'drain');
    // The drain would have run to the pipeline's 30 s limit.
    assert.ok(performance.now() - started < 20_000, `${Math.round(performance.now() - started)} ms`);
    assert.ok(
      warnings.some((w) => w.includes('drain cut short')),
      warnings.join('\n'),
    );
    assert.ok(result.throughput.okOps > 0);
  });

  it('an abort during the final snapshot marks the result interrupted during it', async () => {
    const entry = findStrategy('cache-aside');
    assert.ok(entry);
    const abort = new AbortController();
    const { result } = await runStrategy(entry, {
      env: local.env,
      direct: local.direct,
      options: shortRun(7, { durationMs: 800 }),
      signal: abort.signal,
      onEvent: (event) => {
        if (event.type === 'phase' && event.phase === 'observing') abort.abort();
      },
    });
    assert.equal(result.run.interrupted, true);
    assert.equal(result.run.interruptedDuring, 'snapshot');
    // Nothing of the measurement was cut: the snapshot was read in full.
    assert.ok(
      result.run.durationMs >= 799 && result.run.durationMs < 5000,
      `measured ${result.run.durationMs} ms`,
    );
    assert.equal(result.consistency.divergentKeys, 0);
  });
});

/**
 * db-only with a drain that aborts the run and then waits until the strategy is closed (at
 * most 60 s): a Ctrl-C that lands while a strategy drains its background work.
 */
function drainsUntilClosed(abort: AbortController): StrategyEntry {
  const inner = findStrategy('db-only');
  assert.ok(inner);
  return {
    ...inner,
    name: 'db-only-slow-drain',
    async factory(context) {
      const strategy = await inner.factory(context);
      const closed = new AbortController();
      return {
        name: 'db-only-slow-drain',
        read: (key, opId) => strategy.read(key, opId),
        write: (key, payload, opId) => strategy.write(key, payload, opId),
        async drain() {
          abort.abort();
          await sleep(60_000, undefined, { signal: closed.signal }).catch(() => undefined);
        },
        describe: () => strategy.describe(),
        stats: () => strategy.stats(),
        async close() {
          closed.abort();
          await strategy.close();
        },
      };
    },
  };
}
