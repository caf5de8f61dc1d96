import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareResults } from '../../reports/compare.ts';
import {
  comparisonJson,
  describeChange,
  describeControl,
  renderComparisonHtml,
  renderComparisonMarkdown,
  renderComparisonText,
} from '../../reports/compare-render.ts';
import { defaultRules } from '../../reports/default-rules.ts';
import { aggregateRuns } from '../../reports/repeats.ts';
import { parseMaxRegression, parseThreshold } from '../../reports/thresholds.ts';
import { makeMatrix, makeRepeated, makeResult } from '../fixtures/make-result.ts';

const labels = { base: 'base/', head: 'head/' };

test('a run compared with itself crosses nothing and shows no change', () => {
  const result = makeResult();
  const comparison = compareResults(result, result, {
    thresholds: [parseThreshold('staleReadRate<=0.001')],
    maxRegressions: [parseMaxRegression('goodput=0%'), parseMaxRegression('readP99Ms=0%')],
  });
  assert.deepEqual(comparison.crossings, []);
  for (const delta of comparison.strategies[0]?.deltas ?? [])
    assert.equal(describeChange(delta).text, 'no change');
  assert.match(renderComparisonMarkdown(comparison, labels), /✅ \*\*all 3 rule checks hold\*\*/);
});

test('a head with more stale reads than a threshold allows crosses it, by name', () => {
  const base = makeResult();
  const head = makeResult({ staleFactor: 10 });
  const comparison = compareResults(base, head, { thresholds: [parseThreshold('staleReadRate<=0.001')] });
  assert.equal(comparison.crossings.length, 1);
  assert.equal(comparison.crossings[0]?.rule, 'staleReadRate<=0.001');
  const markdown = renderComparisonMarkdown(comparison, labels);
  assert.match(markdown, /❌ \*\*1 of 1 rule check crossed\*\*/);
  assert.match(
    markdown,
    /- \*\*cache-aside\*\*: threshold `staleReadRate<=0\.001` crossed: staleReadRate is 0\.00\d+/,
  );
  assert.match(markdown, /\| Stale-read rate ❌ \| 0\.034% \| 0\.341% \| \+902\.5% \(worse\) \|/);
  const html = renderComparisonHtml(comparison, labels);
  assert.match(html, /<span class="badge bad">failed<\/span>/);
  assert.match(html, /<tr data-crossed="true"><th scope="row">Stale-read rate/);
});

test('matrix results pair by strategy and report strategies found on one side only', () => {
  const base = makeMatrix();
  const head = makeMatrix({ throughputFactor: 0.8 }).filter((r) => r.run.strategy !== 'write-behind');
  head.push(makeResult({ strategy: 'db-only' }));
  head.splice(0, 1); // drop the first db-only so the pushed one is the only one
  const comparison = compareResults(base, head, { maxRegressions: [parseMaxRegression('goodput=10%')] });
  assert.deepEqual(
    comparison.strategies.map((s) => [s.strategy, s.base !== null, s.head !== null]),
    [
      ['cache-aside', true, true],
      ['delete-then-update', true, true],
      ['write-through', true, true],
      ['db-only', true, true],
      ['write-behind', true, false],
    ],
  );
  // 20% slower everywhere except db-only (same throughput): three crossings, one per slower strategy.
  assert.deepEqual(
    comparison.crossings.map((c) => c.strategy),
    ['cache-aside', 'delete-then-update', 'write-through'],
  );
  const markdown = renderComparisonMarkdown(comparison, labels);
  assert.match(markdown, /\| write-behind \| [\d,]+ ops\/s → — \|/);
  assert.match(markdown, /<details><summary>write-behind \(only in base\)<\/summary>/);
});

test('two single results of different strategies are compared with each other', () => {
  const comparison = compareResults(
    makeResult({ strategy: 'cache-aside' }),
    makeResult({ strategy: 'write-through' }),
  );
  assert.equal(comparison.strategies.length, 1);
  assert.equal(comparison.strategies[0]?.strategy, 'cache-aside → write-through');
});

test('a matrix holding a strategy twice is a configuration error', () => {
  const twice = [makeResult(), makeResult()];
  assert.throws(() => compareResults(twice, twice), {
    name: 'ConfigurationError',
    message: 'base holds two results of strategy cache-aside; compare needs one each',
  });
});

const defaults = defaultRules();

test('the same command run twice with --runs 5 holds every default rule', () => {
  const base = makeRepeated(5, { withFault: false });
  const head = aggregateRuns(
    Array.from({ length: 5 }, (_v, i) => makeResult({ withFault: false, repeat: 5 + i })),
  );
  const comparison = compareResults(base, head, defaults);
  assert.deepEqual(comparison.crossings, []);
  assert.ok(comparison.rules.length >= 5, 'every default rule that applies is listed');
  assert.ok(comparison.rules.every((r) => r.held));
  const goodput = comparison.rules.find((r) => r.rule === 'goodput=25%');
  assert.equal(goodput?.noise?.samples, 'runs');
  assert.equal(goodput?.noise?.n1, 5);
});

test('a slowed head crosses the goodput and latency rules, beyond the noise of 5 runs each', () => {
  const base = makeRepeated(5, { withFault: false });
  const head = makeRepeated(5, { withFault: false, throughputFactor: 0.5, latencyFactor: 3 });
  const comparison = compareResults(base, head, defaults);
  assert.deepEqual(
    comparison.crossings.map((c) => c.rule),
    ['goodput=25%', 'readP99Ms=50%', 'writeP99Ms=50%'],
  );
  const goodput = comparison.crossings[0];
  assert.equal(goodput?.noise?.p, 2 / 252, 'every head run is below every base run');
  assert.match(
    goodput?.message ?? '',
    /^cache-aside: max regression goodput=25% crossed: goodput went from [\d.]+ to [\d.]+ \(5\d(\.\d+)?% worse\), beyond the noise \(Mann–Whitney p = 0\.0079, 5 vs 5 runs\)$/,
  );
  const text = renderComparisonText(comparison);
  assert.match(text, /^ {4}✗ goodput=25% {2}goodput went from/m);
  assert.match(text, /^ {4}✓ lostWrites==0 {2}lostWrites is 0 \(median of 5 runs\)$/m);
  assert.match(text, /^compare: 3 of \d+ rule checks crossed$/m);
  assert.match(text, /^cache-aside: goodput [\d,]+ \[[\d,]+–[\d,]+\] ops\/s → /m);
});

test('a change larger than allowed but within the noise holds, and says so', () => {
  const base = makeResult({ withFault: false });
  const head = structuredClone(base);
  // The whole-run goodput fell by 30%, but every second looks as before: not beyond the noise.
  head.throughput.goodput = base.throughput.goodput * 0.7;
  const [rule] = compareResults(base, head, { maxRegressions: [parseMaxRegression('goodput=25%')] }).rules;
  assert.equal(rule?.held, true);
  assert.equal(rule?.noise?.samples, 'seconds');
  assert.match(
    rule?.detail ?? '',
    /\(30% worse\): more than allowed, but within the noise \(Mann–Whitney p = 1, 60 vs 60 seconds\)$/,
  );

  // With no per-second series and single runs the noise is not measured: the amount alone judges.
  const lost = structuredClone(base);
  lost.consistency.lostWrites = 4;
  const [count] = compareResults(base, lost, { maxRegressions: [parseMaxRegression('lostWrites=2')] }).rules;
  assert.equal(count?.held, false);
  assert.equal(count?.noise?.samples, 'none');
  assert.match(
    count?.detail ?? '',
    /noise not measured \(1 vs 1 run and no per-second series; --runs 5 measures it\)/,
  );
});

test("db-only's change under the same plan is reported beside every other strategy's", () => {
  const base = makeMatrix({ withFault: false });
  const head = makeMatrix({ withFault: false, throughputFactor: 0.9 });
  const comparison = compareResults(base, head, { maxRegressions: [parseMaxRegression('goodput=25%')] });
  const aside = comparison.strategies.find((s) => s.strategy === 'cache-aside');
  const control = comparison.strategies.find((s) => s.strategy === 'db-only');
  const goodput = aside?.deltas.find((d) => d.metric.name === 'goodput');
  const controlGoodput = control?.deltas.find((d) => d.metric.name === 'goodput');
  assert.equal(goodput?.control?.worsePercent, controlGoodput?.worsePercent);
  assert.equal(controlGoodput?.control, undefined, 'db-only is not its own control');
  assert.match(describeControl(goodput?.control), /^db-only -10%$/);
  assert.match(
    renderComparisonMarkdown(comparison, labels),
    /\| metric \| base \| head \| change \| noise control \|/,
  );
  assert.match(
    renderComparisonText(comparison),
    /^cache-aside: goodput .* \(-10% \(worse\); db-only -10%\)/m,
  );
});

test('nothing to pair is refused in one line', () => {
  const base = makeMatrix({ withFault: false });
  const head = [makeResult({ strategy: 'lease', withFault: false })];
  assert.throws(() => compareResults(base, head), {
    name: 'ConfigurationError',
    message:
      'nothing to compare: base holds db-only, cache-aside, delete-then-update, write-through, write-behind (plan redis-latency), head holds lease (plan redis-latency); no strategy is on both sides',
  });
});

test('runs of different settings are refused unless allowed, then listed and compared', () => {
  const base = makeResult({ withFault: false });
  const head = makeResult({ withFault: false, durationS: 30 });
  head.run.workload.keys = 500;
  head.run.plan = 'redis-crash';
  assert.throws(() => compareResults(base, head), {
    name: 'ConfigurationError',
    message:
      /^base and head ran with different settings \(keys 10000 ≠ 500; plan redis-latency ≠ redis-crash; duration 1m after 5s warm-up ≠ 30s after 5s warm-up\); they do not measure the same thing \(--allow-different-settings compares them anyway\)$/,
  });
  const comparison = compareResults(base, head, { allowDifferentSettings: true });
  assert.deepEqual(
    comparison.differences.map((d) => d.setting),
    ['keys', 'plan', 'duration'],
  );
  assert.match(renderComparisonText(comparison), /^settings differ: keys: 10000 → 500$/m);
  // A measured duration a few ms over the asked one is the same setting.
  const late = structuredClone(base);
  late.run.durationMs += 40;
  assert.deepEqual(compareResults(base, late).differences, []);
});

test('the default rules let write-behind lose writes under a Redis crash, and nothing else', () => {
  const crashed = (strategy: string, lostWrites: number) => {
    const result = makeResult({ strategy, withFault: false });
    result.run.plan = 'redis-crash';
    result.consistency.lostWrites = lostWrites;
    return result;
  };
  const behind = compareResults(crashed('write-behind', 4), crashed('write-behind', 9), defaults);
  assert.deepEqual(behind.crossings, []);
  assert.ok(behind.rules.some((r) => r.rule === 'write-behind@redis-crash:lostWrites>=0' && r.held));
  assert.ok(!behind.rules.some((r) => r.rule === 'lostWrites==0'));
  const aside = compareResults(crashed('cache-aside', 0), crashed('cache-aside', 1), defaults);
  assert.deepEqual(
    aside.crossings.map((c) => c.rule),
    ['lostWrites==0'],
  );
  const calm = makeResult({ strategy: 'write-behind', withFault: false });
  calm.run.plan = 'calm';
  assert.deepEqual(
    compareResults(calm, calm, defaults).crossings.map((c) => c.rule),
    ['lostWrites==0'],
    "calm, write-behind's lost writes are a failure",
  );
});

test('grids pair by strategy and plan', () => {
  const grid = (factor: number) =>
    ['calm', 'redis-crash'].flatMap((plan) =>
      ['db-only', 'cache-aside'].map((strategy) => {
        const result = makeResult({ strategy, withFault: false, throughputFactor: factor });
        result.run.plan = plan;
        return result;
      }),
    );
  const comparison = compareResults(grid(1), grid(0.5), {
    maxRegressions: [parseMaxRegression('goodput=25%')],
  });
  assert.deepEqual(
    comparison.strategies.map((s) => s.label),
    ['db-only @ calm', 'cache-aside @ calm', 'db-only @ redis-crash', 'cache-aside @ redis-crash'],
  );
  assert.equal(comparison.crossings.length, 4);
  const json = comparisonJson(comparison, labels) as {
    passed: boolean;
    pairs: { rules: { held: boolean }[] }[];
  };
  assert.equal(json.passed, false);
  assert.deepEqual(
    json.pairs.map((p) => p.rules.map((r) => r.held)),
    [[false], [false], [false], [false]],
  );
});

test('a scoped rule that covers no result is named', () => {
  const result = makeResult({ withFault: false });
  const comparison = compareResults(result, result, {
    thresholds: [parseThreshold('write-behind:lostWrites<=5'), parseThreshold('@redis-crash:errorRate<=0.5')],
  });
  assert.deepEqual(comparison.unmatched, ['write-behind:lostWrites<=5', '@redis-crash:errorRate<=0.5']);
  assert.match(renderComparisonText(comparison), /^· write-behind:lostWrites<=5: applies to no result here/m);
});
