import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReplyError } from 'ioredis';
import { withFaultPlan } from '../../../bench/cli/fault-plan.ts';
import { type BenchOptions, parseBenchArgs } from '../../../bench/cli/options.ts';
import { formatRunSummary } from '../../../bench/cli/summary.ts';
import { errorKindOf } from '../../../bench/history/error-kind.ts';
import { findPreset } from '../../../chaos/presets.ts';
import { ConfigurationError } from '../../../kernel/index.ts';
import { renderReport } from '../../../reports/render.ts';
import { validateResult } from '../../../reports/schema.ts';
import type { RunResult } from '../../../reports/types.ts';
import { makeResult } from '../../fixtures/make-result.ts';

const STRATEGIES = ['cache-aside', 'write-behind'];

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

describe('--cache-topology', () => {
  it('reads single (the default) and cluster', () => {
    assert.equal(options().cacheTopology, undefined);
    assert.equal(options('--cache-topology', 'single').cacheTopology, undefined);
    assert.equal(options('--cache-topology', 'cluster').cacheTopology, 'cluster');
  });

  it('refuses an unknown topology, an environment without a cluster, and AOF on a cluster, in one line', () => {
    refuses(
      ['--cache-topology', 'sharded'],
      "--cache-topology: unknown topology 'sharded'; expected one of single, cluster",
    );
    for (const env of ['docker', 'external']) {
      refuses(
        ['--cache-topology', 'cluster', '--env', env],
        `--cache-topology cluster: the ${env} environment provides single only; use --env local`,
      );
    }
    refuses(
      ['--cache-topology', 'cluster', '--redis-aof', 'everysec'],
      '--redis-aof: applies to the single Redis server; the cluster nodes run without persistence (drop --redis-aof or --cache-topology cluster)',
    );
  });
});

describe('redis-failover in a fault plan', () => {
  it('needs the cluster topology, and a cluster refuses the single server’s process faults', async () => {
    await planRefuses(
      ['--fault', 'redis-failover'],
      '--fault redis-failover needs --cache-topology cluster (there is no Redis Cluster to fail over)',
    );
    await planRefuses(
      ['--fault', 'redis-failover', '--env', 'docker'],
      '--fault redis-failover needs --cache-topology cluster (there is no Redis Cluster to fail over)',
    );
    for (const fault of ['redis-crash', 'redis-restart', 'redis-pause']) {
      await planRefuses(
        ['--fault', fault, '--cache-topology', 'cluster'],
        `--fault ${fault} acts on the single redis-server, which --cache-topology cluster does not run; use redis-failover`,
      );
    }
  });

  it('kills a master the seed picks: the same seed, the same plan', async () => {
    const plan = async (seed: string) =>
      (
        await withFaultPlan(
          options(
            '--fault',
            'redis-failover',
            '--cache-topology',
            'cluster',
            '--duration',
            '10s',
            '--seed',
            seed,
          ),
        )
      ).faultPlan ?? [];
    const first = await plan('7');
    assert.equal(first.length, 1);
    assert.equal(first[0]?.fault, 'redis-failover');
    assert.equal(first[0]?.at, 3000);
    assert.deepEqual(await plan('7'), first);
    const masters = new Set<unknown>();
    for (let seed = 1; seed <= 12; seed++) masters.add((await plan(String(seed)))[0]?.params?.master);
    assert.deepEqual([...masters].sort(), [0, 1, 2], 'the seed reaches every master');
  });

  it("mixed on a cluster draws failovers instead of the single server's crash and pause", () => {
    const preset = findPreset('mixed');
    assert.ok(preset);
    const faults = new Set<string>();
    for (let seed = 1; seed <= 40; seed++) {
      for (const entry of preset.plan(60_000, seed, { processes: true, cluster: true }))
        faults.add(entry.fault);
    }
    assert.ok(faults.has('redis-failover'));
    assert.ok(!faults.has('redis-crash') && !faults.has('redis-pause'));
  });
});

describe('error kinds of a cluster', () => {
  it('names a Redis error reply by its code: CLUSTERDOWN, MOVED, TRYAGAIN', () => {
    assert.equal(errorKindOf(new ReplyError('CLUSTERDOWN The cluster is down')), 'CLUSTERDOWN');
    assert.equal(errorKindOf(new ReplyError('MOVED 3999 127.0.0.1:6381')), 'MOVED');
    assert.equal(
      errorKindOf(new ReplyError('TRYAGAIN Multiple keys request during rehashing of slot')),
      'TRYAGAIN',
    );
    assert.equal(errorKindOf(new ReplyError('not a code')), 'ReplyError');
    assert.equal(errorKindOf(new Error('Connection is closed.')), 'Connection is closed.');
  });
});

describe('a cluster run in the result', () => {
  it('is valid for the schema, said in the summary header and in the report', () => {
    const base = makeResult();
    const result: RunResult = {
      ...base,
      run: { ...base.run, topology: { db: 'single', cache: 'cluster', readFrom: 'primary' } },
    };
    assert.equal(validateResult(JSON.parse(JSON.stringify(result)), 'r.json').run.topology?.cache, 'cluster');
    assert.match(formatRunSummary(result), / · Redis Cluster\n/);
    assert.doesNotMatch(formatRunSummary(base), /Redis Cluster/);
    assert.match(renderReport(result), /MySQL single, Redis cluster; reads from the primary/);
  });
});
