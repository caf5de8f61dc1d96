import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type GridResult, planLabels, recommend, recommendationLines } from '../../reports/grid.ts';
import { parseThreshold } from '../../reports/thresholds.ts';
import type { RunResult } from '../../reports/types.ts';
import { FIXTURE_STRATEGIES, makeResult } from '../fixtures/make-result.ts';

/** A calm column and a fault column; under the fault the stale reads triple and write-through loses writes. */
function fixtureGrid(): GridResult {
  const plans = planLabels(['calm', 'redis-crash']);
  const cells = FIXTURE_STRATEGIES.map((strategy) => [
    makeResult({ strategy, withFault: false }),
    ((): RunResult => {
      const r = makeResult({ strategy, staleFactor: 3, throughputFactor: 0.8 });
      if (strategy === 'write-through') {
        r.consistency.lostWrites = 2;
        r.consistency.valid = false;
      }
      return r;
    })(),
  ]);
  return { seed: 1, strategies: [...FIXTURE_STRATEGIES], plans, cells };
}

test('plan labels: presets as they are, plan files by base name, never twice the same', () => {
  assert.deepEqual(
    planLabels(['calm', 'plans/my plan.json', 'calm', 'x/calm.json']).map((p) => p.label),
    ['calm', 'my-plan', 'calm-2', 'calm-3'],
  );
});

test('the recommendation: within the budget under every plan ranked by worst goodput; the rest with the first plan that breaks them and why', () => {
  const grid = fixtureGrid();
  const budget = [parseThreshold('staleReadRate<=0.0003'), parseThreshold('lostWrites==0')];
  const rec = recommend(grid, budget);
  // db-only never goes stale; write-through stays under 0.0003 but loses writes under the crash.
  assert.deepEqual(
    rec.within.map((w) => [w.strategy, w.worstPlan]),
    [['db-only', 'redis-crash']],
  );
  const db = grid.cells[0]?.[1];
  assert.equal(rec.within[0]?.worstGoodput, db?.throughput.goodput);
  const outside = Object.fromEntries(rec.outside.map((o) => [o.strategy, o]));
  assert.equal(
    outside['cache-aside']?.plan,
    'redis-crash',
    'cache-aside is within under calm (0.034%) and breaks under the crash',
  );
  assert.deepEqual(
    outside['cache-aside']?.crossings.map((c) => c.rule),
    ['staleReadRate<=0.0003'],
  );
  assert.equal(outside['delete-then-update']?.plan, 'calm', 'the first plan that breaks it');
  assert.deepEqual(
    outside['write-through']?.crossings.map((c) => c.rule),
    ['lostWrites==0'],
  );
  assert.equal(outside['write-behind']?.plan, 'calm');
  assert.deepEqual(
    outside['write-behind']?.crossings.map((c) => c.rule),
    ['staleReadRate<=0.0003', 'lostWrites==0'],
  );
  const lines = recommendationLines(grid, rec);
  assert.equal(
    lines[0],
    'Within staleReadRate<=0.0003, lostWrites==0 under every plan (calm, redis-crash), by worst-case goodput:',
  );
  assert.match(lines[1] ?? '', /^ {2}1\. db-only: [\d,]+ ok ops\/s at worst \(under redis-crash\)$/);
  assert.ok(
    lines.includes('  write-through: breaks under redis-crash: lostWrites==0 (lostWrites is 2)'),
    lines.join('\n'),
  );
});

test('a looser budget ranks by worst-case goodput; a missing or interrupted run is never within', () => {
  const grid = fixtureGrid();
  const rec = recommend(grid, [parseThreshold('staleReadRate<=0.01')]);
  assert.deepEqual(
    rec.within.map((w) => w.strategy),
    ['write-behind', 'cache-aside', 'delete-then-update', 'write-through', 'db-only'],
  );
  const worst = rec.within.map((w) => w.worstGoodput);
  assert.deepEqual(
    worst,
    [...worst].sort((a, b) => b - a),
  );
  (grid.cells[1] as (RunResult | null)[])[1] = null;
  const interrupted = grid.cells[2]?.[0] as RunResult;
  interrupted.run.interrupted = true;
  const partial = recommend(grid, [parseThreshold('staleReadRate<=0.01')]);
  assert.ok(!partial.within.some((w) => w.strategy === 'cache-aside' || w.strategy === 'delete-then-update'));
  assert.deepEqual(
    partial.outside.map((o) => o.reason),
    [
      'cache-aside: did not run to the end under redis-crash',
      'delete-then-update: did not run to the end under calm',
    ],
  );
  assert.deepEqual(
    recommendationLines(grid, recommend(grid, [parseThreshold('goodput>=1e9')]))[0],
    'No pattern stays within goodput>=1e9 under every plan (calm, redis-crash).',
  );
});
