import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  evaluateRegressions,
  evaluateThresholds,
  parseMaxRegression,
  parseThreshold,
  regressionOf,
} from '../../reports/thresholds.ts';
import { makeResult } from '../fixtures/make-result.ts';

test('parseThreshold reads metric, operator and number, with percent for ratios', () => {
  assert.deepEqual(parseThreshold('staleReadRate<=0.0001'), {
    metric: 'staleReadRate',
    operator: '<=',
    value: 0.0001,
    text: 'staleReadRate<=0.0001',
  });
  assert.equal(parseThreshold(' hitRatio >= 90% ').value, 0.9);
  assert.equal(parseThreshold('readP99Ms<5ms').value, 5);
  assert.equal(parseThreshold('lostWrites==0').operator, '==');
  assert.equal(parseThreshold('goodput>1e4').value, 10000);
});

test('bad threshold syntax and unknown metrics are one-line configuration errors', () => {
  for (const [text, message] of [
    ['staleReadRate<', /expected metric, operator/],
    ['staleReadRate=>1', /expected metric, operator/],
    ['staleness<1', /unknown metric staleness; known: goodput/],
    ['goodput>=10%', /a percent only fits ratio metrics/],
    ['staleReads<3ms', /staleReads is not measured in ms/],
  ] as const) {
    assert.throws(() => parseThreshold(text), { name: 'ConfigurationError', message });
  }
  assert.throws(() => parseMaxRegression('goodput<10%'), {
    name: 'ConfigurationError',
    message: /expected metric=percent/,
  });
  assert.throws(() => parseMaxRegression('speed=10%'), {
    name: 'ConfigurationError',
    message: /unknown metric speed/,
  });
});

test('evaluateThresholds names each crossed threshold with the head value', () => {
  const result = makeResult();
  const crossings = evaluateThresholds(result, [
    parseThreshold('staleReadRate<=0.0001'),
    parseThreshold('lostWrites==0'),
    parseThreshold('goodput>=20000'),
  ]);
  assert.deepEqual(
    crossings.map((c) => c.rule),
    ['staleReadRate<=0.0001', 'goodput>=20000'],
  );
  assert.equal(crossings[0]?.actual, result.consistency.staleReadRate);
  assert.match(
    crossings[0]?.message ?? '',
    /^cache-aside: threshold staleReadRate<=0\.0001 crossed: staleReadRate is 0\.000340372 \(0\.034%\)$/,
  );
  assert.deepEqual(evaluateThresholds(result, [parseThreshold('staleReadRate<0.01')]), []);
});

test("regression percent math follows each metric's good direction", () => {
  assert.deepEqual(regressionOf('higher', 1000, 880), { worseBy: 120, worsePercent: 12 });
  assert.deepEqual(regressionOf('higher', 1000, 1100), { worseBy: -100, worsePercent: -10 });
  assert.deepEqual(regressionOf('lower', 2, 3), { worseBy: 1, worsePercent: 50 });
  assert.deepEqual(regressionOf('lower', 0, 3), { worseBy: 3, worsePercent: Number.POSITIVE_INFINITY });
  assert.deepEqual(regressionOf('lower', 0, 0), { worseBy: 0, worsePercent: 0 });
});

test('evaluateRegressions crosses just past the allowed percent, not at it', () => {
  const base = makeResult({ withFault: false });
  const at = (factor: number) => {
    const head = structuredClone(base);
    head.throughput.goodput = base.throughput.goodput * factor;
    return evaluateRegressions(base, head, [parseMaxRegression('goodput=10%')]);
  };
  assert.deepEqual(at(0.9), [], 'exactly 10% slower is allowed');
  assert.deepEqual(at(1.5), [], 'faster is never a regression');
  const crossed = at(0.85);
  assert.equal(crossed.length, 1);
  assert.match(
    crossed[0]?.message ?? '',
    /max regression goodput=10% crossed: goodput went from .* \(15% worse\)$/,
  );

  const head = structuredClone(base);
  head.consistency.lostWrites = 4;
  const absolute = evaluateRegressions(base, head, [
    parseMaxRegression('lostWrites=3'),
    parseMaxRegression('divergentKeys=0%'),
  ]);
  assert.deepEqual(
    absolute.map((c) => c.rule),
    ['lostWrites=3'],
  );
  assert.match(absolute[0]?.detail ?? '', /lostWrites went from 0 to 4 \(worse by 4\)/);
});
