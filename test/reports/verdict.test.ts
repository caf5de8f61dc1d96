import assert from 'node:assert/strict';
import { test } from 'node:test';
import { controlOf, factor, verdictLines, verdictOf } from '../../reports/verdict.ts';
import { makeMatrix, makeResult } from '../fixtures/make-result.ts';

test('factor: three significant digits, a control of 0 said as such', () => {
  assert.equal(factor(12370, 2709), '×4.57');
  assert.equal(factor(1, 2), '×0.5');
  assert.equal(factor(0, 0), '×1');
  assert.equal(factor(3, 0), 'from 0');
});

test('a consistent run says so, and the control says it is the control', () => {
  const control = makeResult({ strategy: 'db-only', withFault: false });
  const verdict = verdictOf(control, control);
  assert.equal(verdict.tone, 'good');
  assert.equal(
    verdict.headline,
    'db-only: consistent: no stale read, no key left stale, no write lost; 3,196 ok ops/s.',
  );
  assert.deepEqual(verdict.consistency, ['No stale read, no key left stale and no acknowledged write lost.']);
  assert.match(verdict.cost[0] ?? '', /^This is the db-only control/);
  assert.deepEqual(verdict.faults, []);
});

test('stale reads: how many, how old, how far behind; keys left stale and whether the TTL ends them', () => {
  const matrix = makeMatrix();
  const result = matrix.find((r) => r.run.strategy === 'cache-aside');
  assert.ok(result);
  const verdict = verdictOf(result, controlOf(matrix));
  assert.equal(verdict.tone, 'bad');
  assert.equal(
    verdict.headline,
    `cache-aside: 240 stale reads (0.034%), 2 keys left stale until the TTL; goodput ×4.57 db-only's.`,
  );
  assert.equal(
    verdict.consistency[0],
    '240 reads of 705,110 (0.034%; 0.0425% of the reads after a write) returned a version older than a write completed before they began: half were at most 3.200 ms old, p99 61.40 ms, the oldest 212.70 ms, at most 3 versions behind.',
  );
  assert.equal(
    verdict.consistency[1],
    '2 keys were left stale in the cache after the run settled (older than MySQL); a TTL of 5m ends them at the latest that long after the entry was set.',
  );
  const forever = verdictOf({ ...result, run: { ...result.run, ttlSeconds: 0 } });
  assert.match(forever.headline, /2 keys left stale for good/);
  assert.match(
    forever.consistency[1] ?? '',
    /with TTL 0 \(no expiry\) nothing ends them but a later write of the key/,
  );
});

test('cost against db-only: goodput ×, p99 ×, MySQL queries per ok operation saved', () => {
  const matrix = makeMatrix();
  const result = matrix.find((r) => r.run.strategy === 'cache-aside');
  assert.ok(result);
  const control = controlOf(matrix);
  assert.ok(control);
  const verdict = verdictOf(result, control);
  assert.equal(
    verdict.cost[0],
    'Against db-only: goodput ×4.57 (12,370 against 2,709 ok ops/s), read p99 ×0.293 (1.200 against 4.100 ms), write p99 ×1.08 (6.800 against 6.300 ms).',
  );
  const own = result.db.queries / result.throughput.okOps;
  const base = control.db.queries / control.throughput.okOps;
  assert.equal(
    verdict.cost[1],
    `MySQL queries per ok operation: ${own.toFixed(3)} against ${base.toFixed(3)} (${Number(((1 - own / base) * 100).toPrecision(3))}% saved).`,
  );
  assert.deepEqual(verdictOf(result).cost, [
    'No db-only control ran beside it, so its cost is not relative to anything.',
  ]);
});

test('lost writes: counted by the binlog, or "not measured" with the reason and the lower bound', () => {
  const result = makeResult({ strategy: 'write-behind' });
  assert.match(verdictOf(result).headline, /14 keys ahead of MySQL, 37 acknowledged writes lost/);
  assert.ok(
    verdictOf(result).consistency.includes(
      "37 acknowledged writes were lost: MySQL's binary log never had their versions.",
    ),
  );
  const unmeasured = {
    ...result,
    consistency: {
      ...result.consistency,
      lostWrites: null,
      lostWritesMeasuredBy: 'unavailable: the server writes no binary log (log_bin is OFF)',
    },
  };
  const verdict = verdictOf(unmeasured);
  assert.match(verdict.headline, /at least 37 acknowledged writes lost/);
  assert.ok(
    verdict.consistency.includes(
      "Lost writes were not measured (unavailable: the server writes no binary log (log_bin is OFF)); 37 acknowledged writes are above MySQL's final row, a lower bound.",
    ),
  );
});

test("under faults: inside against outside the windows, and each fault's effect and recovery", () => {
  const result = makeResult();
  const verdict = verdictOf(result);
  const inside = result.faultWindows?.inside;
  assert.ok(inside);
  assert.match(
    verdict.faults[0] ?? '',
    /^Inside the fault windows against outside: goodput [\d,]+ against [\d,]+ ok ops\/s, error rate/,
  );
  assert.equal(verdict.faults[1], 'redis-latency#1 (20s–35s): recovered 3s after the heal.');
  const none = {
    ...result,
    run: { ...result.run, faults: result.run.faults.map((f) => ({ ...f, effect: 'none', recoveryMs: 0 })) },
  };
  assert.equal(
    verdictOf(none).faults[1],
    'redis-latency#1 (20s–35s): no effect: the run stayed at its level before the fault.',
  );
  assert.equal(verdictLines(verdict)[0], verdict.headline);
});
