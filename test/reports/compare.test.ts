import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareResults } from '../../reports/compare.ts';
import {
  describeChange,
  renderComparisonHtml,
  renderComparisonMarkdown,
} from '../../reports/compare-render.ts';
import { parseMaxRegression, parseThreshold } from '../../reports/thresholds.ts';
import { makeMatrix, makeResult } from '../fixtures/make-result.ts';

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
  assert.match(renderComparisonMarkdown(comparison, labels), /✅ \*\*all 3 rules hold\*\*/);
});

test('a head with more stale reads than a threshold allows crosses it, by name', () => {
  const base = makeResult();
  const head = makeResult({ staleFactor: 10 });
  const comparison = compareResults(base, head, { thresholds: [parseThreshold('staleReadRate<=0.001')] });
  assert.equal(comparison.crossings.length, 1);
  assert.equal(comparison.crossings[0]?.rule, 'staleReadRate<=0.001');
  const markdown = renderComparisonMarkdown(comparison, labels);
  assert.match(markdown, /❌ \*\*1 rule crossed\*\*/);
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
