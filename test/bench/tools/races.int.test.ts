import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { formatRaceTable, type RaceOutcome, runRaceScenarios } from '../../../bench/tools/races.ts';
import { startLocalEnvironment } from '../../../services/local.ts';
import type { Environment } from '../../../services/types.ts';

let env: Environment;
let outcomes: RaceOutcome[];

before(async () => {
  env = await startLocalEnvironment({ redisPersistence: 'none' });
  outcomes = await runRaceScenarios(env);
});

after(async () => {
  await env?.stop();
});

function outcomeOf(strategy: string, scenarioPattern: string): RaceOutcome {
  const patternRow = outcomes.find(
    (outcome) => outcome.strategy === scenarioPattern && outcome.anomalyPredicted,
  );
  assert.ok(patternRow, scenarioPattern);
  const row = outcomes.find(
    (outcome) => outcome.scenario === patternRow.scenario && outcome.strategy === strategy,
  );
  assert.ok(row, `${strategy} in ${patternRow.scenario}`);
  return row;
}

it('runs every scenario with its strategies and with db-only, and every prediction holds', () => {
  const byScenario = new Map<string, string[]>();
  for (const outcome of outcomes) {
    const label = outcome.options === '' ? outcome.strategy : `${outcome.strategy} (${outcome.options})`;
    byScenario.set(outcome.scenario, [...(byScenario.get(outcome.scenario) ?? []), label]);
  }
  for (const [scenario, strategies] of byScenario) assert.equal(strategies.at(-1), 'db-only', scenario);
  const registered = new Set(outcomes.map((outcome) => outcome.strategy));
  for (const name of [
    'delayed-double-delete',
    'versioned-set',
    'lease',
    'tag-as-deleted',
    'cdc-invalidate',
  ]) {
    assert.ok(registered.has(name), name);
  }
  // Each fix closes at least one of the article's races, and has a weak spot shown as an anomaly.
  for (const name of ['delayed-double-delete', 'versioned-set', 'tag-as-deleted', 'cdc-invalidate']) {
    const rows = outcomes.filter((outcome) => outcome.strategy === name);
    assert.ok(
      rows.some((row) => !row.anomalyPredicted),
      `${name} closes a race`,
    );
    assert.ok(
      rows.some((row) => row.anomalyPredicted),
      `${name} shows a weak spot`,
    );
  }
  assert.ok(
    outcomes.every((outcome) => outcome.reproduced),
    formatRaceTable(outcomes),
  );
});

it('delete-then-update: the read puts v1 back after the delete, MySQL gets v2', () => {
  const row = outcomeOf('delete-then-update', 'delete-then-update');
  assert.deepEqual(
    { cache: row.cacheVersion, db: row.dbVersion, read: row.finalReadVersion, stale: row.staleCache },
    { cache: 1, db: 2, read: 1, stale: true },
  );
  assert.deepEqual(
    row.steps.map((step) => `${step.opId}:${step.step}`),
    [
      '1:cache-del',
      '1:db-write',
      '2:cache-del',
      '3:cache-get-miss',
      '3:db-read',
      '3:cache-set',
      '2:db-write',
      '1000000:cache-get-hit',
    ],
  );
});

it('cache-aside: the slow read sets v1 after the write committed v2 and deleted', () => {
  const row = outcomeOf('cache-aside', 'cache-aside');
  assert.deepEqual([row.cacheVersion, row.dbVersion, row.finalReadVersion, row.lostWrites], [1, 2, 1, 0]);
  const order = row.steps
    .filter((step) => step.opId !== 1)
    .map((step) => `${step.opId}:${step.step}:${step.version}`);
  assert.deepEqual(order.slice(0, 5), [
    '2:cache-get-miss:-1',
    '2:db-read:1',
    '3:db-write:2',
    '3:cache-del:-1',
    '2:cache-set:1',
  ]);
});

it('write-through: MySQL ends at B (v3), the cache at A (v2)', () => {
  const row = outcomeOf('write-through', 'write-through');
  assert.deepEqual([row.ackedVersions, row.cacheVersion, row.dbVersion], [[1, 2, 3], 2, 3]);
});

it('write-behind: three acknowledged writes are lost with Redis', () => {
  const row = outcomeOf('write-behind', 'write-behind');
  assert.deepEqual(
    [row.ackedVersions, row.dbVersion, row.cacheVersion, row.lostWrites],
    [[1, 2, 3], 0, 0, 3],
  );
});

it('an app process SIGKILLed between commit and cache step: cache-aside and write-through keep v1, with or without the retry policy', () => {
  const rows = outcomes.filter(
    (outcome) => outcome.scenario === 'app process killed between the MySQL commit and the cache step',
  );
  assert.deepEqual(
    rows.map((row) => [row.strategy, row.errorPolicy, row.cacheVersion, row.dbVersion, row.staleCache]),
    [
      ['cache-aside', '', 1, 2, true],
      ['cache-aside', 'fail/retry', 1, 2, true],
      ['delete-then-update', '', 1, 1, false],
      ['write-through', '', 1, 2, true],
      ['db-only', '', 0, 2, false],
    ],
  );
  for (const row of rows) {
    assert.deepEqual(row.ackedVersions, [1], 'the killed write was never acknowledged');
    // The killed process's steps are not traced here: only the parent's write, read and final read.
    assert.ok(
      row.steps.every((step) => step.opId !== 3),
      row.strategy,
    );
  }
});

it('a failed DEL queued for retry dies with the writer process: v2 acknowledged, v1 stays', () => {
  const rows = outcomes.filter(
    (outcome) => outcome.scenario === 'app process killed with a failed DEL in its retry queue',
  );
  assert.deepEqual(
    rows.map((row) => [row.strategy, row.errorPolicy, row.ackedVersions, row.cacheVersion, row.dbVersion]),
    [
      ['cache-aside', 'fail/retry', [1, 2], 1, 2],
      ['db-only', '', [1, 2], 0, 2],
    ],
  );
});

it('Redis restarted from its AOF: the stale entry comes back; write-behind loses nothing (always and everysec)', () => {
  const stale = outcomes.filter(
    (outcome) => outcome.scenario === 'Redis restarts from its AOF with a stale entry',
  );
  assert.deepEqual(
    stale.map((row) => [row.strategy, row.redisAof, row.cacheVersion, row.dbVersion, row.anomaly]),
    [
      ['cache-aside', 'always', 1, 2, true],
      ['db-only', 'always', 0, 2, false],
    ],
  );
  const flush = outcomes.filter(
    (outcome) => outcome.scenario === 'Redis restarts from its AOF before the flush',
  );
  assert.deepEqual(
    flush.map((row) => [row.strategy, row.redisAof, row.ackedVersions, row.dbVersion, row.lostWrites]),
    [
      ['write-behind', 'always', [1, 2, 3], 3, 0],
      ['write-behind', 'everysec', [1, 2, 3], 3, 0],
      ['db-only', 'always', [1, 2, 3], 3, 0],
    ],
  );
});

it('db-only never shows an anomaly in any scenario', () => {
  const controls = outcomes.filter((outcome) => outcome.strategy === 'db-only');
  assert.equal(controls.length, new Set(outcomes.map((outcome) => outcome.scenario)).size);
  for (const row of controls) {
    assert.equal(row.anomaly, false, row.scenario);
    assert.equal(row.cacheVersion, 0);
    assert.equal(row.lostWrites, 0);
    assert.equal(row.finalReadVersion, row.dbVersion);
    assert.ok(row.dbVersion >= Math.max(...row.ackedVersions), row.scenario);
  }
});

it('versioned-set refuses the slow v1 fill; lease and tag-as-deleted refuse it too', () => {
  for (const name of ['versioned-set', 'lease', 'tag-as-deleted', 'cdc-invalidate']) {
    const row = outcomes.find(
      (outcome) =>
        outcome.scenario === 'slow read sets the old value after write + delete' &&
        outcome.strategy === name &&
        outcome.options === '',
    );
    assert.ok(row, name);
    assert.equal(row.cacheVersion, 2, name);
    if (name !== 'cdc-invalidate') {
      assert.ok(
        row.steps.some((step) => step.step === 'cache-set-refused' && step.version === 1),
        `${name} refused the v1 fill`,
      );
    }
  }
});

it('formats a table with one line per outcome plus a header and a rule', () => {
  const lines = formatRaceTable(outcomes).split('\n');
  assert.equal(lines.length, outcomes.length + 2);
  assert.match(
    lines[0] ?? '',
    /^scenario\s+strategy\s+expected\s+prediction\s+cache v\s+db v\s+read v\s+lost\s+stale reads\s+reproduced$/,
  );
});

it('cdc-invalidate cut off from Redis: the v1 fill lands and is read, the invalidator acts on v2 only after the heal', () => {
  const rows = outcomes.filter(
    (outcome) =>
      outcome.scenario === 'invalidator cut off from Redis while a read fills the old value' &&
      outcome.strategy === 'cdc-invalidate',
  );
  assert.equal(rows.length, 2);
  for (const row of rows) {
    assert.deepEqual(
      [row.staleReads, row.staleCache, row.cacheVersion, row.dbVersion, row.finalReadVersion],
      [1, false, 2, 2, 2],
      row.options,
    );
    const order = row.steps.map((step) => `${step.opId}:${step.step}:${step.version}`);
    const fill = order.indexOf('2:cache-set:1');
    const staleHit = order.indexOf('4:cache-get-hit:1');
    const invalidation = order.findLastIndex((step) => /^-1:cache-(set|del):/.test(step));
    assert.ok(order.indexOf('3:db-write:2') < fill, `the fill of v1 lands after v2 committed: ${order}`);
    assert.ok(
      fill < staleHit && staleHit < invalidation,
      `the invalidator acts after the stale read: ${order}`,
    );
  }
});
