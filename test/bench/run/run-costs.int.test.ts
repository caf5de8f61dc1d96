import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeRun } from '../../../bench/cli/write-run.ts';
import { saturationReasons } from '../../../bench/run/cpu-budget.ts';
import { type DirectConnections, openDirect } from '../../../bench/run/direct.ts';
import { runStrategy } from '../../../bench/run/pipeline.ts';
import { takeSnapshot } from '../../../bench/run/snapshot.ts';
import { findDivergentKeys } from '../../../checker/divergence.ts';
import { validateResult } from '../../../reports/schema.ts';
import { startLocalEnvironment } from '../../../services/local.ts';
import type { Environment } from '../../../services/types.ts';
import { findStrategy } from '../../../strategies/registry.ts';
import { shortRun } from './short-run.ts';
import { setsCacheFromOldRow } from './wrong-strategies.ts';

describe('what a run costs, recorded in its result (real services)', () => {
  let env: Environment;
  let direct: DirectConnections;
  let dir: string;

  before(async () => {
    env = await startLocalEnvironment({ redisPersistence: 'none' });
    direct = await openDirect(env.endpoints);
    dir = await mkdtemp(join(tmpdir(), 'cacheproof-costs-'));
  });

  after(async () => {
    await direct?.close();
    await env?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("writes the proxy's measured round-trip cost, the CPU budget and MySQL's durability settings to result.json", async () => {
    const entry = findStrategy('cache-aside');
    assert.ok(entry);
    const run = await runStrategy(entry, { env, direct, options: shortRun(11) });
    const file = await writeRun(dir, run, false);
    const result = validateResult(JSON.parse(await readFile(file, 'utf8')), file);

    const route = result.run.route;
    assert.equal(route?.viaProxy, true);
    assert.ok((route?.samples ?? 0) > 0);
    for (const link of [route?.proxyAddedMs?.redis, route?.proxyAddedMs?.mysql]) {
      assert.ok(link, 'calibration missing');
      assert.ok(link.directMs.p50 > 0 && link.proxiedMs.p50 > 0, JSON.stringify(link));
      // Each figure is rounded to the microsecond on its own.
      assert.ok(
        Math.abs(link.proxiedMs.p50 - link.directMs.p50 - link.addedMs.p50) <= 0.0015,
        JSON.stringify(link),
      );
    }

    const cpu = result.cpu;
    assert.ok(cpu);
    assert.deepEqual(Object.keys(cpu.processes).sort(), ['harness', 'mysql', 'redis', 'toxiproxy']);
    assert.equal(cpu.ops, result.throughput.reads + result.throughput.writes);
    assert.ok((cpu.processes.harness?.cpuMs ?? 0) > 0);
    assert.ok(
      Math.abs(cpu.windowMs - result.run.durationMs) < 200,
      `${cpu.windowMs} vs ${result.run.durationMs}`,
    );
    assert.ok(cpu.machine);
    // The flag is the rule applied to what was measured (the rule itself: cpu-budget.test.ts).
    const reasons = saturationReasons(cpu.machine, cpu.processes.harness?.cores ?? 0);
    assert.deepEqual(cpu.saturation, reasons);
    assert.equal(cpu.saturated, reasons.length > 0);

    assert.equal(result.run.mysqlSettings?.innodb_flush_log_at_trx_commit !== undefined, true);
    assert.equal(result.run.mysqlSettings?.sync_binlog !== undefined, true);
  });

  it('finds the same divergent keys in the written keys as in a snapshot of every key', async () => {
    const keys = 2000;
    const run = await runStrategy(setsCacheFromOldRow, {
      env,
      direct,
      options: shortRun(12, { workload: { ...shortRun(12).workload, keys } }),
    });
    const written = run.analysis.snapshot.keys;
    assert.ok(written.length > 0 && written.length < keys, `${written.length} written keys of ${keys}`);
    assert.ok(run.result.consistency.divergentKeys > 0);
    // The strategy is closed and the load over: every key is as the run's own snapshot saw it.
    const full = await takeSnapshot(direct, keys, () => 0);
    assert.equal(full.keys.length, keys);
    assert.deepEqual(findDivergentKeys(full), run.result.consistency.divergent);
    // Unwritten keys hold the loaded version 1 in MySQL, and in the cache if anything.
    const writtenSet = new Set(written.map((entry) => entry.key));
    for (const entry of full.keys) {
      if (writtenSet.has(entry.key)) continue;
      assert.equal(entry.dbVersion, 1);
      assert.ok(entry.cacheVersion === 0 || entry.cacheVersion === 1, JSON.stringify(entry));
    }
  });
});
