import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkThresholds,
  describeWorse,
  evaluateThresholds,
  exceedsAllowed,
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

test('an allowed regression is exceeded just past the allowed percent, not at it', () => {
  const goodput = parseMaxRegression('goodput=10%');
  const at = (factor: number) => exceedsAllowed(goodput, regressionOf('higher', 1000, 1000 * factor));
  assert.equal(at(0.9), false, 'exactly 10% slower is allowed');
  assert.equal(at(1.5), false, 'faster is never a regression');
  assert.equal(at(0.85), true);
  assert.equal(describeWorse(goodput, regressionOf('higher', 1000, 850)), '15% worse');
  assert.equal(describeWorse(goodput, regressionOf('higher', 1000, 1100)), '10% better');

  const lost = parseMaxRegression('lostWrites=3');
  assert.equal(exceedsAllowed(lost, regressionOf('lower', 0, 4)), true);
  assert.equal(exceedsAllowed(lost, regressionOf('lower', 0, 3)), false);
  assert.equal(describeWorse(lost, regressionOf('lower', 0, 4)), 'worse by 4');
  assert.equal(exceedsAllowed(parseMaxRegression('divergentKeys=0%'), regressionOf('lower', 0, 0)), false);
});

test('a rule may be scoped to a strategy, a plan or both', () => {
  assert.deepEqual(parseThreshold('write-behind:lostWrites<=50'), {
    metric: 'lostWrites',
    operator: '<=',
    value: 50,
    text: 'write-behind:lostWrites<=50',
    scope: { strategy: 'write-behind' },
  });
  assert.deepEqual(parseThreshold('cache-aside@redis-crash:staleReadRate<=0.01').scope, {
    strategy: 'cache-aside',
    plan: 'redis-crash',
  });
  assert.deepEqual(parseMaxRegression('@redis-crash:goodput=30%').scope, { plan: 'redis-crash' });
  assert.equal(parseThreshold('lostWrites==0').scope, undefined);
  assert.throws(() => parseThreshold(':lostWrites==0'), {
    name: 'ConfigurationError',
    message: /--threshold ':lostWrites==0': a scope needs a strategy, a plan or both/,
  });
  assert.throws(() => parseThreshold('Write-Behind:lostWrites==0'), {
    name: 'ConfigurationError',
    message: /expected metric, operator/,
  });
});

test('a scoped rule applies where its scope covers, and replaces wider rules on its metric there', () => {
  const rules = [
    parseThreshold('lostWrites==0'),
    parseThreshold('write-behind@redis-crash:lostWrites<=50'),
    parseThreshold('staleReadRate<=0.01'),
    parseThreshold('@redis-crash:staleReadRate<=0.05'),
    parseThreshold('db-only:errorRate==0'),
  ];
  const crashed = (strategy: string) => {
    const result = makeResult({ strategy, withFault: false });
    result.run.plan = 'redis-crash';
    return result;
  };
  const calm = makeResult({ strategy: 'write-behind', withFault: false });
  calm.run.plan = 'calm';
  const applied = (result: ReturnType<typeof makeResult>) =>
    checkThresholds(result, rules).map((c) => c.rule);
  assert.deepEqual(applied(crashed('write-behind')), [
    'write-behind@redis-crash:lostWrites<=50',
    '@redis-crash:staleReadRate<=0.05',
  ]);
  assert.deepEqual(applied(calm), ['lostWrites==0', 'staleReadRate<=0.01']);
  assert.deepEqual(applied(crashed('cache-aside')), ['lostWrites==0', '@redis-crash:staleReadRate<=0.05']);
  // The fixture's write-behind loses 37 writes: broken calm, held under its scoped rule.
  assert.equal(checkThresholds(calm, rules)[0]?.held, false);
  assert.equal(checkThresholds(crashed('write-behind'), rules)[0]?.held, true);
  // A plan part or a fault's name counts: a combined plan, and a mixed plan that drew the fault.
  const combined = crashed('write-behind');
  combined.run.plan = 'mysql-latency+redis-crash';
  assert.equal(applied(combined)[0], 'write-behind@redis-crash:lostWrites<=50');
});

test('thresholds of a repeated result judge the median over its runs', () => {
  const result = makeResult({ withFault: false });
  result.repeats = {
    count: 3,
    representative: 0,
    level: 0.95,
    resamples: 2000,
    metrics: { lostWrites: { median: 2, lo: 0, hi: 5, method: 'range', values: [0, 2, 5] } },
    runs: [result, result, result],
  };
  const [check] = checkThresholds(result, [parseThreshold('lostWrites<=1')]);
  assert.equal(check?.held, false);
  assert.equal(check?.actual, 2);
  assert.equal(check?.detail, 'lostWrites is 2 (median of 3 runs)');
});
