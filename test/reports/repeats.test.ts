import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findMetric, type MetricDefinition, metricValue } from '../../reports/metrics.ts';
import {
  aggregateRuns,
  perSecondSamples,
  representativeIndex,
  spreadOf,
  wholeSeconds,
} from '../../reports/repeats.ts';
import type { RunResult } from '../../reports/types.ts';
import { makeResult } from '../fixtures/make-result.ts';

const metric = (name: string) => findMetric(name) as MetricDefinition;

/** A run whose goodput is `goodput` and whose seconds all hold `perSecond` ok operations. */
function run(goodput: number, perSecond: number[] = [goodput], lostWrites: number | null = 0): RunResult {
  const result = makeResult({ withFault: false, durationS: perSecond.length });
  result.throughput.goodput = goodput;
  result.throughput.timeline = perSecond.map((okOps, second) => ({
    second,
    ops: okOps,
    okOps,
    reads: okOps,
    writes: 0,
    errors: 0,
    staleReads: 0,
    readP99Ms: 1,
    writeP99Ms: 0,
  }));
  result.consistency.lostWrites = lostWrites;
  return result;
}

describe('repeated runs', () => {
  it('from 5 runs, the interval is a bootstrap of the median over the runs', () => {
    const runs = [100, 140, 120, 90, 130].map((g) => run(g));
    const spread = spreadOf(runs, metric('goodput'), 1, 0);
    assert.equal(spread.method, 'runs');
    assert.equal(spread.median, 120);
    assert.deepEqual(
      [spread.lo, spread.hi],
      [90, 140],
      'five runs: the 95% interval of the median is their range',
    );
    assert.deepEqual(spread.values, [100, 140, 120, 90, 130]);
  });

  it("below 5 runs, a metric with seconds takes their relative spread around the runs' median", () => {
    // Seconds 90, 110 (mean 100) and 100, 100: the bootstrap of their mean lies within [90, 110].
    const runs = [run(100, [90, 110]), run(200, [100, 100])];
    const spread = spreadOf(runs, metric('goodput'), 1, 0);
    assert.equal(spread.method, 'seconds');
    assert.equal(spread.median, 150);
    const mean = 100;
    assert.ok((spread.lo as number) >= (150 * 90) / mean && (spread.lo as number) < 150);
    assert.ok((spread.hi as number) <= (150 * 110) / mean && (spread.hi as number) > 150);
    // All seconds alike: no spread.
    const flat = spreadOf([run(50, [50, 50, 50])], metric('goodput'), 1, 0);
    assert.deepEqual([flat.lo, flat.median, flat.hi], [50, 50, 50]);
  });

  it('below 5 runs, a metric without seconds spans the runs; unmeasured runs are left out', () => {
    const runs = [run(1, [1], 4), run(1, [1], null), run(1, [1], 9)];
    const spread = spreadOf(runs, metric('lostWrites'), 1, 0);
    assert.deepEqual(spread, { median: 6.5, lo: 4, hi: 9, method: 'range', values: [4, null, 9] });
    const none = spreadOf([run(1, [1], null)], metric('lostWrites'), 1, 0);
    assert.deepEqual([none.median, none.lo, none.hi], [null, null, null]);
  });

  it('per-second samples are the whole seconds of each run, pooled', () => {
    const partial = run(10, [10, 10, 4]);
    partial.run.durationMs = 2500;
    assert.deepEqual(
      wholeSeconds(partial).map((p) => p.second),
      [0, 1],
      'a half second at the end is left out',
    );
    assert.deepEqual(perSecondSamples([partial, run(7, [7])], metric('goodput')), [10, 10, 7]);
    assert.deepEqual(perSecondSamples([partial], metric('lostWrites')), []);
  });

  it('aggregates N runs into the median-goodput run, with every run and each metric', () => {
    const runs = [run(100), run(300), run(200), run(400)];
    assert.equal(representativeIndex(runs), 2, 'the lower of the two middle goodputs');
    const result = aggregateRuns(runs);
    assert.equal(result.repeats?.count, 4);
    assert.equal(result.repeats?.representative, 2);
    assert.equal(result.throughput.goodput, 200);
    assert.equal(result.repeats?.runs.length, 4);
    assert.equal(metricValue(result, metric('goodput')), 250, 'rules judge the median');
    assert.ok(result.repeats?.runs.every((r) => r.repeats === undefined));
    assert.deepEqual(Object.keys(result.repeats?.metrics ?? {}).slice(0, 3), [
      'goodput',
      'attemptedOpsPerSec',
      'readP50Ms',
    ]);
    assert.deepEqual(aggregateRuns(runs), result, 'the same runs give the same intervals');
    assert.equal(aggregateRuns([runs[0] as RunResult]), runs[0], 'one run is kept as it is');
    const cut = [run(1), run(2)];
    (cut[1] as RunResult).run.interrupted = true;
    assert.equal(aggregateRuns(cut).run.interrupted, true);
  });
});
