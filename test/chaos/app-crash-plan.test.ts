import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { withFaultPlan } from '../../bench/cli/fault-plan.ts';
import { type BenchOptions, parseBenchArgs } from '../../bench/cli/options.ts';
import { findPreset } from '../../chaos/presets.ts';
import { findFaultKind } from '../../chaos/registry.ts';
import { resolveFaultPlan } from '../../chaos/resolve.ts';
import { ConfigurationError } from '../../kernel/index.ts';

function options(...argv: string[]): BenchOptions {
  const command = parseBenchArgs(['--strategy', 'cache-aside', ...argv], ['cache-aside'], () => 1);
  assert.equal(command.kind, 'run');
  return (command as { options: BenchOptions }).options;
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error: unknown) {
    assert.ok(error instanceof ConfigurationError, String(error));
    return error.message;
  }
  throw new Error('expected a ConfigurationError');
}

describe('app-crash in a fault plan', () => {
  it('is a kind on the app target, exclusive per worker slot, with a slot parameter', () => {
    const kind = findFaultKind('app-crash');
    assert.ok(kind);
    assert.deepEqual(kind.targets, ['app']);
    assert.equal(kind.needsApp, true);
    assert.equal(kind.needsProcess, undefined);
    assert.equal(kind.exclusiveResource?.('app', { worker: 2 }), 'worker 2');
    const fault = kind.create(undefined, { worker: 1 }, 'app-crash#1');
    assert.equal(fault.target, 'app');
    assert.match(fault.describe(), /worker 1 killed \(SIGKILL\)/);
    assert.throws(() => kind.create(undefined, { worker: -1 }, 'x'), /expected an integer from 0 to 63/);
    assert.throws(() => kind.create('redis', {}, 'x'), /cannot target 'redis'/);
  });

  it('is refused in one line without --workers, and with a slot the run does not have', async () => {
    assert.equal(
      await refusal(withFaultPlan(options('--fault', 'app-crash'))),
      '--fault app-crash needs --workers N (it kills an application worker process; without --workers the application runs inside the harness)',
    );
    const dir = await mkdtemp(join(tmpdir(), 'cacheproof-app-crash-'));
    try {
      const file = join(dir, 'plan.json');
      await writeFile(
        file,
        JSON.stringify([{ fault: 'app-crash', params: { worker: 2 }, at: 100, duration: 50 }]),
      );
      assert.equal(
        await refusal(withFaultPlan(options('--fault', file, '--workers', '2'))),
        `--fault ${file}: entry 0: app-crash kills worker 2, but --workers 2 has slots 0 to 1`,
      );
      const overlapping = join(dir, 'overlap.json');
      await writeFile(
        overlapping,
        JSON.stringify([
          { fault: 'app-crash', at: 100, duration: 500 },
          { fault: 'app-crash', at: 300, duration: 500 },
        ]),
      );
      assert.match(
        await refusal(withFaultPlan(options('--fault', overlapping, '--workers', '2'))),
        /overlap on worker 0; faults on the same worker must not overlap$/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('runs with --workers 1 (a standby takes the one slot) and with --env external (the workers are the harness own)', async () => {
    const one = await withFaultPlan(options('--fault', 'app-crash', '--workers', '1'));
    assert.equal(one.faultPlan?.length, 3);
    assert.ok(one.faultPlan?.every((entry) => entry.params?.worker === 0));
    const external = await withFaultPlan(
      options('--fault', 'app-crash', '--workers', '2', '--env', 'external'),
    );
    assert.equal(external.faultPlan?.length, 3);
    // A process fault with --env external stays refused.
    assert.equal(
      await refusal(withFaultPlan(options('--fault', 'mysql-crash', '--workers', '2', '--env', 'external'))),
      '--fault mysql-crash needs --env local (the harness must own the MariaDB process)',
    );
  });

  it('the preset draws three crashes from the seed, each healed before the next, slots among the workers', async () => {
    const preset = findPreset('app-crash');
    assert.ok(preset);
    const plan = preset.plan(10_000, 7, { processes: true, appWorkers: 4 });
    assert.deepEqual(
      preset.plan(10_000, 7, { processes: true, appWorkers: 4 }),
      plan,
      'same seed, same plan',
    );
    assert.notDeepEqual(preset.plan(10_000, 8, { processes: true, appWorkers: 4 }), plan);
    assert.equal(plan.length, 3);
    let previousEnd = 0;
    for (const entry of plan) {
      assert.equal(entry.fault, 'app-crash');
      assert.ok(entry.at >= 2000 && entry.at + entry.duration <= 8000, JSON.stringify(entry));
      assert.ok(entry.at >= previousEnd, 'one crash at a time');
      previousEnd = entry.at + entry.duration;
      const slot = Number(entry.params?.worker);
      assert.ok(Number.isInteger(slot) && slot >= 0 && slot < 4, JSON.stringify(entry));
    }
    const resolved = await resolveFaultPlan(['app-crash'], 10_000, 7, {
      envHasProcesses: true,
      appWorkers: 4,
    });
    assert.deepEqual(
      resolved.map((entry) => entry.id),
      ['app-crash#1', 'app-crash#2', 'app-crash#3'],
    );
  });
});
