import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseSweepArgs, roundOrder } from '../../../bench/tools/sweep.ts';
import { ConfigurationError } from '../../../kernel/index.ts';
import { PROJECT_ROOT } from '../../../services/binaries.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cacheproof-sweep-args-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const seed = (): number => 99;

async function refused(argv: string[], pattern: RegExp): Promise<void> {
  await assert.rejects(parseSweepArgs([...argv, '--out', join(dir, 'out')], seed), (error: unknown) => {
    assert.ok(error instanceof ConfigurationError, String(error));
    assert.match(error.message, pattern);
    assert.doesNotMatch(error.message, /\n/);
    return true;
  });
}

test('a strategy option is run once per value, with one seed and plan for all', async () => {
  const plan = await parseSweepArgs(
    [
      '--strategy',
      'delayed-double-delete',
      '--vary',
      'delayMs=0,10,50',
      '--fault',
      'mysql-latency',
      '--runs',
      '3',
      '--out',
      join(dir, 'a'),
    ],
    seed,
  );
  assert.equal(plan.vary, 'delayMs');
  assert.equal(plan.varyKind, 'strategy-option');
  assert.equal(plan.rounds, 3);
  assert.deepEqual(
    plan.options.map((o) => o.strategyOptions?.delayMs),
    ['0', '10', '50'],
  );
  assert.deepEqual(new Set(plan.options.map((o) => o.seed)), new Set([99]));
  const plans = plan.options.map((o) => JSON.stringify(o.faultPlan));
  assert.equal(new Set(plans).size, 1);
  assert.ok((plan.options[0]?.faultPlan?.length ?? 0) > 0);
});

test('a workload setting is its bench option', async () => {
  const plan = await parseSweepArgs(
    ['--strategy', 'cache-aside', '--workload', 'hot-keys', '--vary', 'ttl=1,30', '--out', join(dir, 'b')],
    seed,
  );
  assert.equal(plan.varyKind, 'workload');
  assert.deepEqual(
    plan.options.map((o) => o.ttlSeconds),
    [1, 30],
  );
});

test('bad --vary is one line naming it, before anything starts', async () => {
  const dd = ['--strategy', 'delayed-double-delete'];
  await refused([...dd, '--vary', 'delayMs=0,abc'], /^--vary delayMs=abc: expected a non-negative number/);
  await refused(
    [...dd, '--vary', 'nope=1,2'],
    /^--vary nope: not an option of delayed-double-delete \(delayMs\)/,
  );
  await refused([...dd, '--vary', 'delayMs=5'], /^--vary delayMs: expected at least two distinct/);
  await refused([...dd, '--vary', 'delayMs=5,5'], /^--vary delayMs: expected at least two distinct/);
  await refused([...dd, '--vary', 'delayMs'], /^--vary: expected setting=value/);
  await refused(dd, /^--vary: expected exactly one/);
  await refused([...dd, '--vary', 'ttl=1,2s5'], /^--vary ttl=2s5: expected whole seconds/);
  await refused([...dd, '--vary', 'delayMs=1,2', '--strategy-option', 'delayMs=3'], /give it once/);
  await refused([...dd, '--vary', 'ttl=1,2', '--ttl', '3'], /also given as --ttl/);
  await refused(['--strategy', 'all', '--vary', 'ttl=1,2'], /^--strategy: a sweep runs one strategy/);
  await refused([...dd, '--vary', 'delayMs=1,2', '--runs', '0'], /^--runs: expected an integer/);
  await refused([...dd, '--vary', 'delayMs=1,2', '--duration', 'soon'], /^--duration:/);
});

test('the order of the values alternates between rounds', () => {
  assert.deepEqual(roundOrder(3, 0), [0, 1, 2]);
  assert.deepEqual(roundOrder(3, 1), [2, 1, 0]);
  assert.deepEqual(roundOrder(3, 2), [0, 1, 2]);
});

test('npm run bench:sweep with a bad --vary exits 2 with one line and starts nothing', () => {
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'bench/tools/sweep.ts', '--strategy', 'lease', '--vary', 'leaseWaitMs=1,-'],
    { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(child.status, 2, child.stderr);
  assert.equal(child.stderr.trim().split('\n').length, 1, child.stderr);
  assert.match(child.stderr, /--vary leaseWaitMs=-: expected a non-negative number/);
  assert.equal(child.stdout, '');
});
