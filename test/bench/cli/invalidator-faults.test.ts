import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withFaultPlan } from '../../../bench/cli/fault-plan.ts';
import { type BenchOptions, parseBenchArgs } from '../../../bench/cli/options.ts';
import { ConfigurationError } from '../../../kernel/index.ts';
import { strategyNames } from '../../../strategies/registry.ts';

function options(...argv: string[]): BenchOptions {
  const command = parseBenchArgs(argv, strategyNames, () => 1);
  assert.equal(command.kind, 'run');
  return (command as { options: BenchOptions }).options;
}

async function refuses(argv: string[], message: string): Promise<void> {
  await assert.rejects(withFaultPlan(options(...argv)), (error: unknown) => {
    assert.ok(error instanceof ConfigurationError, String(error));
    assert.equal(error.message, message);
    return true;
  });
}

describe('invalidator faults, before any service starts', () => {
  it('accept cdc-invalidate on the local environment', async () => {
    for (const preset of ['invalidator-partition', 'invalidator-redis-partition', 'invalidator-latency']) {
      const plan = (await withFaultPlan(options('--strategy', 'cdc-invalidate', '--fault', preset)))
        .faultPlan;
      assert.equal(plan?.[0]?.target, 'invalidator', preset);
    }
    const crash = await withFaultPlan(
      options('--strategy', 'cdc-invalidate', '--fault', 'invalidator-crash', '--direct'),
    );
    assert.equal(crash.faultPlan?.[0]?.fault, 'invalidator-crash', 'a crash needs no proxy');
  });

  it('refuse a strategy without an invalidator, --strategy all included', async () => {
    await refuses(
      ['--strategy', 'cache-aside', '--fault', 'invalidator-partition'],
      "--fault: 'invalidator-partition' acts on the CDC invalidator, which strategy 'cache-aside' does not run; use --strategy cdc-invalidate",
    );
    await refuses(
      ['--strategy', 'all', '--fault', 'invalidator-crash'],
      "--fault: 'invalidator-crash' acts on the CDC invalidator, which strategy 'delete-then-update' does not run; use --strategy cdc-invalidate",
    );
  });

  it('refuse an environment that cannot proxy the invalidator, --direct, and a crash the harness cannot reach', async () => {
    await refuses(
      ['--strategy', 'cdc-invalidate', '--env', 'docker', '--fault', 'invalidator-latency'],
      "--fault: 'invalidator-latency' needs --env local (only the local environment proxies the invalidator's own links)",
    );
    await refuses(
      ['--strategy', 'cdc-invalidate', '--direct', '--fault', 'invalidator-partition'],
      "--fault: 'invalidator-partition' acts through Toxiproxy, which --direct bypasses; drop --direct or the fault",
    );
    await refuses(
      [
        '--strategy',
        'cdc-invalidate',
        '--cache-topology',
        'cluster',
        '--fault',
        'invalidator-redis-partition',
      ],
      "--fault: 'invalidator-partition' link redis needs --cache-topology single (a cluster's nodes have no invalidator proxy of their own)",
    );
    await refuses(
      ['--strategy', 'cdc-invalidate', '--workers', '2', '--fault', 'invalidator-crash'],
      "--fault: 'invalidator-crash' kills the invalidator in the harness's process, not the --workers processes' own; use --driver in-process or http",
    );
  });

  it('check the link parameter', async () => {
    const { parseFaultPlan } = await import('../../../chaos/plan.ts');
    assert.throws(
      () =>
        parseFaultPlan(
          [{ fault: 'invalidator-partition', params: { link: 'kafka' }, at: 0, duration: 10 }],
          'plan.json',
        ),
      /plan.json: entry 0: invalidator-partition: param 'link': expected one of mysql, redis, got "kafka"/,
    );
  });
});
