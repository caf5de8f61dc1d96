import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  checkExclusiveOverlaps,
  loadFaultPlanFile,
  MAX_PLAN_ENTRIES,
  MAX_PLAN_FILE_BYTES,
  parseFaultPlan,
} from '../../chaos/plan.ts';
import { resolveFaultPlan } from '../../chaos/resolve.ts';
import { ConfigurationError } from '../../kernel/index.ts';

function problem(plan: unknown): string {
  try {
    parseFaultPlan(plan, 'plan.json');
  } catch (error: unknown) {
    assert.ok(error instanceof ConfigurationError, `expected a ConfigurationError, got ${String(error)}`);
    assert.ok(!error.message.includes('\n'), 'one line');
    return error.message;
  }
  throw new Error('expected the plan to be rejected');
}

const ok = { fault: 'latency', target: 'redis', at: 0, duration: 1000 };

describe('fault plan validation', () => {
  it('accepts an array or { faults } of valid entries', () => {
    const entries = [
      ok,
      { fault: 'partition', target: 'mysql', params: { mode: 'disable' }, at: 5, duration: 1 },
    ];
    assert.deepEqual(parseFaultPlan(entries, 'plan.json'), entries);
    assert.deepEqual(parseFaultPlan({ faults: entries }, 'plan.json'), entries);
    assert.deepEqual(parseFaultPlan([{ fault: 'reset_peer', target: 'mysql', at: 0, duration: 1 }], 'p'), [
      { fault: 'reset_peer', target: 'mysql', at: 0, duration: 1 },
    ]);
  });

  it('names the entry and the problem in one line', () => {
    assert.equal(
      problem([ok, { ...ok, fault: 'earthquake' }]),
      "plan.json: entry 1: unknown fault 'earthquake'; expected one of calm, latency, partition, reset-peer, bandwidth, slow-close, slicer, redis-crash, redis-restart, redis-pause, mysql-pause, mysql-crash, replica-lag, redis-failover, app-crash, invalidator-partition, invalidator-latency, invalidator-crash",
    );
    assert.equal(
      problem([{ ...ok, at: -5 }]),
      "plan.json: entry 0: 'at' must be a number of ms from 0 to 86400000 (24h) from the start of the load, got -5",
    );
    assert.equal(
      problem([{ ...ok, duration: 0 }]),
      "plan.json: entry 0: 'duration' must be a number of ms > 0 and at most 86400000 (24h), got 0",
    );
    assert.equal(
      problem([{ ...ok, duration: 1e300 }]),
      "plan.json: entry 0: 'duration' must be a number of ms > 0 and at most 86400000 (24h), got 1e+300",
    );
    assert.equal(
      problem([{ ...ok, at: 2 ** 31 }]),
      "plan.json: entry 0: 'at' must be a number of ms from 0 to 86400000 (24h) from the start of the load, got 2147483648",
    );
    assert.equal(
      problem(Array.from({ length: MAX_PLAN_ENTRIES + 1 }, () => ok)),
      `plan.json: ${MAX_PLAN_ENTRIES + 1} entries; a plan holds at most ${MAX_PLAN_ENTRIES}`,
    );
    assert.equal(
      problem([{ ...ok, target: 'postgres' }]),
      'plan.json: entry 0: unknown target "postgres"; expected redis, mysql, replication, app, invalidator',
    );
    assert.equal(
      problem([{ ...ok, params: { direction: 'sideways' } }]),
      'plan.json: entry 0: latency: param \'direction\': expected one of upstream, downstream, both, got "sideways"',
    );
    assert.equal(
      problem([{ ...ok, params: { latencyMs: 'slow' } }]),
      'plan.json: entry 0: latency: param \'latencyMs\': expected an integer from 0 to 60000, got "slow"',
    );
    assert.equal(
      problem([{ ...ok, params: { latency: 100 } }]),
      "plan.json: entry 0: latency: unknown param 'latency'; expected latencyMs, jitterMs, direction, toxicity",
    );
    assert.equal(
      problem([{ fault: 'redis-crash', target: 'mysql', at: 0, duration: 1 }]),
      "plan.json: entry 0: redis-crash: redis-crash cannot target 'mysql'; expected redis",
    );
    assert.equal(
      problem([{ ...ok, fault: 'partition', params: { mode: 'disable', direction: 'upstream' } }]),
      "plan.json: entry 0: partition: param 'direction' applies to mode 'timeout' only; 'disable' cuts both ways",
    );
    assert.equal(
      problem([{ ...ok, fault: 'slicer', params: { averageSize: 8, sizeVariation: 8 } }]),
      "plan.json: entry 0: slicer: param 'sizeVariation' (8) must be below averageSize (8)",
    );
    assert.equal(
      problem([{ ...ok, when: 3 }]),
      "plan.json: entry 0: unknown field 'when'; expected fault, target, params, at, duration",
    );
    assert.equal(
      problem({ fault: 'latency' }),
      'plan.json: a fault plan is an array of entries or { "faults": [...] }',
    );
    assert.equal(
      problem(['latency']),
      'plan.json: entry 0: expected an object { fault, target, params, at, duration }, got "latency"',
    );
  });

  it('rejects faults on the same process or disabled proxy that overlap, not ones that follow each other', () => {
    const crash = { fault: 'redis-crash', at: 1000, duration: 1000 };
    const sourced = (entry: typeof crash, index: number) => ({ entry, source: '--fault plan.json', index });
    assert.throws(
      () =>
        checkExclusiveOverlaps([
          sourced(crash, 0),
          sourced({ fault: 'redis-pause', at: 1500, duration: 10 }, 1),
        ]),
      /redis-crash \(--fault plan.json, entry 0, 1000ms\+1000ms\) and redis-pause .* overlap on process redis/,
    );
    checkExclusiveOverlaps([sourced(crash, 0), sourced({ fault: 'redis-pause', at: 2000, duration: 10 }, 1)]);
    checkExclusiveOverlaps([sourced(crash, 0), sourced({ fault: 'mysql-pause', at: 1500, duration: 10 }, 1)]);
  });

  it('reads plan files and reports unreadable or invalid JSON in one line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cacheproof-plan-'));
    try {
      const good = join(dir, 'good.json');
      await writeFile(good, JSON.stringify({ faults: [ok] }));
      assert.deepEqual(await loadFaultPlanFile(good, '--fault good.json'), [ok]);
      const bad = join(dir, 'bad.json');
      await writeFile(bad, '[{ "fault": ');
      await assert.rejects(loadFaultPlanFile(bad, '--fault bad.json'), (error: Error) => {
        assert.ok(error instanceof ConfigurationError);
        assert.match(error.message, /^--fault bad.json: .*bad.json is not valid JSON: /);
        return true;
      });
      // V8's message quotes the input when its first token is wrong: the file's lines must
      // not become the error's lines.
      const prose = join(dir, 'prose.json');
      await writeFile(prose, 'hello\nworld\n');
      await assert.rejects(loadFaultPlanFile(prose, '--fault prose.json'), (error: Error) => {
        assert.ok(error instanceof ConfigurationError);
        assert.equal(
          error.message,
          `--fault prose.json: ${prose} is not valid JSON: Unexpected token 'h' at line 1, column 1`,
        );
        return true;
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a plan file too large or not a regular file before reading it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cacheproof-plan-'));
    try {
      const huge = join(dir, 'huge.json');
      const entry = JSON.stringify({ fault: 'latency', target: 'redis', at: 0, duration: 1 });
      await writeFile(huge, `[${Array.from({ length: 20_000 }, () => entry).join(',\n')}]`);
      const started = Date.now();
      await assert.rejects(
        loadFaultPlanFile(huge, '--fault huge.json'),
        new ConfigurationError(
          `--fault huge.json: ${huge} is larger than ${MAX_PLAN_FILE_BYTES} bytes; a plan holds at most ${MAX_PLAN_ENTRIES} entries`,
        ),
      );
      assert.ok(Date.now() - started < 30_000, 'refused without validating the entries');
      await assert.rejects(
        loadFaultPlanFile(dir, '--fault dir'),
        new ConfigurationError(`--fault dir: ${dir} is not a regular file`),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('bounds the entries of several plans together', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cacheproof-plan-'));
    try {
      const half = join(dir, 'half.json');
      const entries = Array.from({ length: MAX_PLAN_ENTRIES / 2 + 1 }, (_v, i) => ({ ...ok, at: i }));
      await writeFile(half, JSON.stringify(entries));
      await assert.rejects(
        resolveFaultPlan([half, half], 60_000, 1, { envHasProcesses: true }),
        new ConfigurationError(
          `--fault: the plans together hold ${MAX_PLAN_ENTRIES + 2} entries; at most ${MAX_PLAN_ENTRIES}`,
        ),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
