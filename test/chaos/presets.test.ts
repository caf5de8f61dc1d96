import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseFaultPlan } from '../../chaos/plan.ts';
import { describePresets, FAULT_PRESETS, findPreset } from '../../chaos/presets.ts';
import { FAULT_KINDS } from '../../chaos/registry.ts';
import { resolveFaultPlan } from '../../chaos/resolve.ts';
import { ConfigurationError } from '../../kernel/index.ts';

const PROCESS_FAULTS = ['redis-crash', 'redis-pause', 'mysql-pause'];

function mixed(seed: number, processes = true) {
  const preset = findPreset('mixed');
  assert.ok(preset);
  return preset.plan(60_000, seed, { processes });
}

describe('fault presets', () => {
  it('has every preset the issue names, each a valid plan inside the run', () => {
    assert.deepEqual(
      FAULT_PRESETS.map((p) => p.name),
      [
        'calm',
        'redis-latency',
        'mysql-latency',
        'redis-partition',
        'mysql-partition',
        'redis-crash',
        'redis-restart',
        'mysql-crash',
        'redis-pause',
        'replica-lag',
        'invalidator-partition',
        'invalidator-redis-partition',
        'invalidator-latency',
        'invalidator-crash',
        'redis-failover',
        'app-crash',
        'flaky-network',
        'mixed',
      ],
    );
    for (const preset of FAULT_PRESETS) {
      for (const seed of [1, 2, 3]) {
        const plan = parseFaultPlan(preset.plan(10_000, seed, { processes: true }), preset.name);
        for (const entry of plan) {
          assert.ok(entry.at >= 0 && entry.at + entry.duration <= 10_000, `${preset.name} fits in the run`);
        }
      }
    }
    assert.deepEqual(findPreset('calm')?.plan(10_000, 1, { processes: true }), []);
  });

  it('places single-fault presets from 30% of the run for 30%', () => {
    assert.deepEqual(findPreset('redis-latency')?.plan(20_000, 7, { processes: true }), [
      { fault: 'latency', target: 'redis', params: { latencyMs: 20, jitterMs: 5 }, at: 6000, duration: 6000 },
    ]);
  });

  it('mixed is the same plan for the same seed and differs across seeds', () => {
    assert.deepEqual(mixed(42), mixed(42));
    const plans = new Set([1, 2, 3, 4, 5, 42].map((seed) => JSON.stringify(mixed(seed))));
    assert.equal(plans.size, 6);
  });

  it('mixed draws no process fault when the environment does not own the processes', () => {
    for (let seed = 0; seed < 50; seed++) {
      assert.ok(mixed(seed, false).every((entry) => !PROCESS_FAULTS.includes(entry.fault)));
    }
    const drawn = new Set(Array.from({ length: 50 }, (_, seed) => mixed(seed).map((e) => e.fault)).flat());
    assert.ok(
      PROCESS_FAULTS.some((name) => drawn.has(name)),
      'with processes, some seeds draw process faults',
    );
  });

  it('describes every preset and fault kind for --list-faults', () => {
    const text = describePresets();
    for (const preset of FAULT_PRESETS) assert.match(text, new RegExp(`^  ${preset.name} `, 'm'));
    for (const kind of FAULT_KINDS) assert.match(text, new RegExp(`^  ${kind.name} `, 'm'));
    assert.match(text, /latencyMs: added delay in ms \(default 100\)/);
  });
});

describe('resolveFaultPlan', () => {
  async function rejection(promise: Promise<unknown>): Promise<string> {
    try {
      await promise;
    } catch (error: unknown) {
      assert.ok(error instanceof ConfigurationError);
      return error.message;
    }
    throw new Error('expected a ConfigurationError');
  }

  it('rejects process faults without an environment that owns the processes', async () => {
    assert.equal(
      await rejection(resolveFaultPlan(['redis-crash'], 60_000, 1, { envHasProcesses: false })),
      '--fault redis-crash needs --env local (the harness must own the Redis process)',
    );
    assert.equal(
      await rejection(resolveFaultPlan(['redis-pause'], 60_000, 1, { envHasProcesses: false })),
      '--fault redis-pause needs --env local (the harness must own the Redis process)',
    );
    assert.equal((await resolveFaultPlan(['redis-crash'], 60_000, 1, { envHasProcesses: true })).length, 1);
  });

  it('combines presets and files sorted by start, and rejects unknown names and late faults', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cacheproof-plan-'));
    try {
      const file = join(dir, 'plan.json');
      await writeFile(file, JSON.stringify([{ fault: 'mysql-pause', at: 100, duration: 50 }]));
      const plan = await resolveFaultPlan(['redis-latency', file], 1000, 1, { envHasProcesses: true });
      assert.deepEqual(
        plan.map((e) => [e.fault, e.at]),
        [
          ['mysql-pause', 100],
          ['latency', 300],
        ],
      );
      assert.equal(
        await rejection(resolveFaultPlan([file], 1000, 1, { envHasProcesses: false })),
        `--fault ${file}: entry 0: mysql-pause needs --env local (the harness must own the MariaDB process)`,
      );
      assert.equal(
        await rejection(resolveFaultPlan([file], 100, 1, { envHasProcesses: true })),
        `--fault ${file}: entry 0: starts at 100ms, after the load ends (100ms)`,
      );
      assert.match(
        await rejection(resolveFaultPlan(['redis-crash', 'redis-pause'], 1000, 1, { envHasProcesses: true })),
        /overlap on process redis/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    assert.match(
      await rejection(resolveFaultPlan(['earthquake'], 1000, 1, { envHasProcesses: true })),
      /^--fault: 'earthquake' is neither a preset nor a plan file; presets: calm, redis-latency, .*mixed \(see --list-faults\)$/,
    );
  });
});
