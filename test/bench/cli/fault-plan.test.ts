import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { withFaultPlan } from '../../../bench/cli/fault-plan.ts';
import { formatFaultLines } from '../../../bench/cli/fault-summary.ts';
import { type BenchOptions, parseBenchArgs } from '../../../bench/cli/options.ts';
import { check } from '../../../checker/index.ts';
import { ConfigurationError } from '../../../kernel/index.ts';
import { HistoryBuilder } from '../../checker/history-builder.ts';
import { makeResult } from '../../fixtures/make-result.ts';

const STRATEGIES = ['cache-aside', 'db-only'];

function options(...argv: string[]): BenchOptions {
  const command = parseBenchArgs(['--strategy', 'cache-aside', ...argv], STRATEGIES, () => 1);
  assert.equal(command.kind, 'run');
  return (command as { options: BenchOptions }).options;
}

function refuses(argv: string[], message: string): void {
  assert.throws(
    () => options(...argv),
    (error: unknown) => error instanceof ConfigurationError && error.message === message,
  );
}

async function planRefuses(argv: string[], message: string): Promise<void> {
  await assert.rejects(withFaultPlan(options(...argv)), (error: unknown) => {
    assert.ok(error instanceof ConfigurationError, String(error));
    assert.equal(error.message, message);
    return true;
  });
}

describe('fault options', () => {
  it('reads --fault (repeatable), --redis-aof and --list-faults', () => {
    const o = options('--fault', 'redis-latency', '--fault', 'plan.json', '--redis-aof', 'everysec');
    assert.deepEqual(o.faultSpecs, ['redis-latency', 'plan.json']);
    assert.deepEqual(o.faultPlan, []);
    assert.equal(o.redisAof, 'everysec');
    assert.equal(options().redisAof, 'none');
    assert.deepEqual(
      parseBenchArgs(['--list-faults'], STRATEGIES, () => 1),
      { kind: 'list-faults' },
    );
  });

  it('refuses a bad --redis-aof, and AOF with an environment the harness does not start', () => {
    refuses(
      ['--redis-aof', 'sometimes'],
      "--redis-aof: unknown mode 'sometimes'; expected one of none, everysec, always",
    );
    refuses(
      ['--redis-aof', 'always', '--env', 'external'],
      '--redis-aof: the harness does not start Redis with --env external; configure AOF on that server instead',
    );
    assert.equal(options('--redis-aof', 'none', '--env', 'external').redisAof, 'none');
  });

  it('resolves presets against the run duration, the same plan for every strategy', async () => {
    const resolved = await withFaultPlan(
      options('--fault', 'redis-crash', '--duration', '10s', '--strategy', 'all'),
    );
    assert.deepEqual(resolved.faultPlan, [
      { fault: 'redis-crash', at: 3000, duration: 3000, id: 'redis-crash#1' },
    ]);
    assert.deepEqual((await withFaultPlan(options())).faultPlan, []);
  });

  it('refuses unknown presets, bad plan files and process faults with --env external', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cacheproof-plan-'));
    try {
      const unknownFault = join(dir, 'unknown.json');
      writeFileSync(unknownFault, JSON.stringify([{ fault: 'earthquake', at: 0, duration: 10 }]));
      const negative = join(dir, 'negative.json');
      writeFileSync(negative, JSON.stringify([{ fault: 'latency', target: 'redis', at: -5, duration: 10 }]));
      await planRefuses(
        ['--fault', 'nope'],
        "--fault: 'nope' is neither a preset nor a plan file; presets: calm, redis-latency, mysql-latency, redis-partition, mysql-partition, redis-crash, redis-restart, mysql-crash, redis-pause, replica-lag, invalidator-partition, invalidator-redis-partition, invalidator-latency, invalidator-crash, redis-failover, app-crash, flaky-network, mixed (see --list-faults)",
      );
      await planRefuses(
        ['--fault', unknownFault],
        `--fault ${unknownFault}: entry 0: unknown fault 'earthquake'; expected one of calm, latency, partition, reset-peer, bandwidth, slow-close, slicer, redis-crash, redis-restart, redis-pause, mysql-pause, mysql-crash, replica-lag, redis-failover, app-crash, invalidator-partition, invalidator-latency, invalidator-crash`,
      );
      await planRefuses(
        ['--fault', negative],
        `--fault ${negative}: entry 0: 'at' must be a number of ms from 0 to 86400000 (24h) from the start of the load, got -5`,
      );
      await planRefuses(
        ['--fault', 'redis-crash', '--env', 'external'],
        '--fault redis-crash needs --env local (the harness must own the Redis process)',
      );
      await planRefuses(
        ['--fault', 'redis-latency', '--direct'],
        "--fault: 'latency' acts through Toxiproxy, which --direct bypasses; drop --direct or the fault",
      );
      const direct = await withFaultPlan(options('--fault', 'redis-crash', '--direct'));
      assert.equal(direct.faultPlan?.length, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('fault windows, from the one check of the history', () => {
  it('gives each window its target, params and recovery time, and the inside/outside metrics', () => {
    const base = makeResult({ withFault: false, durationS: 4 });
    const b = new HistoryBuilder();
    for (let t = 0; t < 4000; t += 10) {
      // Half the throughput during the fault (1000–2000 ms), full right after the heal.
      if (t >= 1000 && t < 2000 && t % 20 !== 0) continue;
      b.read(0, 1, t, t + (t >= 1000 && t < 2000 ? 5 : 1), 0);
    }
    const history = b.build();
    const event = { id: 'redis-latency#1', name: 'redis-latency', kind: 'latency', target: 'redis' };
    history.faults.push(
      { ...event, params: { latencyMs: 20 }, phase: 'start', atNs: 1000e6 },
      { ...event, params: { latencyMs: 20 }, phase: 'heal', atNs: 2000e6 },
    );
    const report = check(history, { keys: [], takenAtNs: 4000e6 }, { faultWindows: { runEndMs: 4000 } });
    assert.ok(report.faultWindows);
    assert.deepEqual(report.faultWindows.windows, [
      {
        ...event,
        params: { latencyMs: 20 },
        startMs: 1000,
        healMs: 2000,
        recoveryMs: 0,
        effect: 'recovered',
        // One window: its own metrics are those inside the union.
        inside: report.faultWindows.inside,
      },
    ]);
    const { inside, outside } = report.faultWindows;
    assert.equal(inside.ops, 50);
    assert.equal(inside.latency.read.p50Ms, 5);
    assert.equal(outside.ops, 300);
    assert.equal(outside.latency.read.p99Ms, 1);
    const analysed = {
      ...base,
      run: { ...base.run, durationMs: 4000, faults: report.faultWindows.windows },
      faultWindows: { inside, outside },
    };
    assert.deepEqual(formatFaultLines(analysed), [
      'fault        redis-latency#1 on redis · started 1.00s, healed 2.00s · recovered 0ms after the heal',
      '  inside     goodput 50 ok ops/s of 50 · 0 errors (0.0%) · read p50/p99 5.00/5.00 ms · write p50/p99 0.00/0.00 ms · stale reads 0 (0.000%)',
      '  outside    goodput 100 ok ops/s of 100 · 0 errors (0.0%) · read p50/p99 1.00/1.00 ms · write p50/p99 0.00/0.00 ms · stale reads 0 (0.000%)',
    ]);
  });

  it('has no fault section for a calm run', () => {
    const calm = makeResult({ withFault: false, durationS: 4 });
    const report = check(
      new HistoryBuilder().build(),
      { keys: [], takenAtNs: 0 },
      { faultWindows: { runEndMs: 4000 } },
    );
    assert.equal(report.faultWindows, null);
    assert.deepEqual(formatFaultLines(calm), []);
  });
});

describe('replica-lag in a fault plan', () => {
  it('needs the primary-replica topology, and is not a fault of the route --direct bypasses', async () => {
    await planRefuses(
      ['--fault', 'replica-lag'],
      '--fault replica-lag needs --db-topology primary-replica (there is no replication link to act on)',
    );
    const resolved = await withFaultPlan(
      options('--fault', 'replica-lag', '--db-topology', 'primary-replica', '--direct', '--duration', '10s'),
    );
    assert.deepEqual(resolved.faultPlan, [
      {
        fault: 'replica-lag',
        target: 'replication',
        params: { mode: 'latency', latencyMs: 1000 },
        at: 3000,
        duration: 3000,
        id: 'replica-lag#1',
      },
    ]);
  });

  it('checks its parameters and keeps two pauses of the replica apart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cacheproof-plan-'));
    const plan = (name: string, entries: unknown[]): string => {
      const file = join(dir, name);
      writeFileSync(file, JSON.stringify(entries));
      return file;
    };
    try {
      const topology = ['--db-topology', 'primary-replica'];
      const badParam = plan('bad.json', [
        { fault: 'replica-lag', params: { mode: 'pause', latencyMs: 5 }, at: 0, duration: 10 },
      ]);
      await planRefuses(
        ['--fault', badParam, ...topology],
        `--fault ${badParam}: entry 0: replica-lag: params 'latencyMs' and 'jitterMs' apply to mode 'latency' only`,
      );
      const wrongTarget = plan('target.json', [
        { fault: 'replica-lag', target: 'mysql', at: 0, duration: 10 },
      ]);
      await planRefuses(
        ['--fault', wrongTarget, ...topology],
        `--fault ${wrongTarget}: entry 0: replica-lag: replica-lag cannot target 'mysql'; expected replication`,
      );
      const pauses = plan('pauses.json', [
        { fault: 'replica-lag', params: { mode: 'pause' }, at: 0, duration: 100 },
        { fault: 'replica-lag', params: { mode: 'pause' }, at: 50, duration: 100 },
      ]);
      await assert.rejects(
        withFaultPlan(options('--fault', pauses, ...topology)),
        /overlap on replica applier/,
      );
      const latencies = plan('latencies.json', [
        { fault: 'replica-lag', at: 0, duration: 100 },
        { fault: 'replica-lag', params: { latencyMs: 200, jitterMs: 20 }, at: 50, duration: 100 },
      ]);
      const resolved = await withFaultPlan(options('--fault', latencies, ...topology));
      assert.deepEqual(
        resolved.faultPlan?.map((entry) => entry.id),
        ['replica-lag#1', 'replica-lag#2'],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
