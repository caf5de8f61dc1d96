import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { recheckRun } from '../../../bench/cli/check.ts';
import { writeRun } from '../../../bench/cli/write-run.ts';
import { binlogStart, readCommitRecord } from '../../../bench/run/commit-record.ts';
import { type DirectConnections, openDirect } from '../../../bench/run/direct.ts';
import { runStrategy } from '../../../bench/run/pipeline.ts';
import { ConsistencyProber } from '../../../bench/run/probes.ts';
import { assignFaultIds } from '../../../chaos/index.ts';
import { startLocalEnvironment } from '../../../services/local.ts';
import type { Environment } from '../../../services/types.ts';
import { cacheKey, encodeEntry } from '../../../strategies/cache-codec.ts';
import { guardedBatchSql } from '../../../strategies/db-access.ts';
import { findStrategy } from '../../../strategies/registry.ts';
import { shortRun } from './short-run.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');

describe('numbers that tell the truth (real services)', () => {
  let env: Environment;
  let direct: DirectConnections;
  let dir: string;

  before(async () => {
    env = await startLocalEnvironment({ redisPersistence: 'none' });
    direct = await openDirect(env.endpoints);
    dir = await mkdtemp(join(tmpdir(), 'cacheproof-truth-'));
  });

  after(async () => {
    await direct?.close();
    await env?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("reads every committed row image of items from MySQL's binlog, a multi-row flush row by row", async () => {
    await direct.pool.query('TRUNCATE TABLE items');
    const start = await binlogStart(direct.pool);
    assert.ok(!('unavailable' in start), JSON.stringify(start));
    const p = Buffer.from('p');
    await direct.pool.query('INSERT INTO items (id, version, payload) VALUES (?, ?, ?)', [7, 1, p]);
    await direct.pool.query('UPDATE items SET version = 2 WHERE id = 7');
    // One statement, three versions of key 7 and a stale replay (v1) that the guard ignores.
    await direct.pool.query(guardedBatchSql(4), [7, 3, p, 7, 4, p, 8, 1, p, 7, 1, p]);
    await direct.pool.query('DELETE FROM items WHERE id = 8');
    const record = await readCommitRecord(env.endpoints, start);
    assert.equal(record.source, 'binlog');
    if (record.source !== 'binlog') return;
    const pairs = record.key.map((key, i) => [key, record.version[i]]);
    assert.deepEqual(pairs, [
      [7, 1],
      [7, 2],
      [7, 3],
      [7, 4],
      [8, 1],
    ]);
  });

  it('says why the record is unavailable instead of reporting nothing lost', async () => {
    const record = await readCommitRecord(env.endpoints, { unavailable: 'the server writes no binary log' });
    assert.deepEqual(record, { source: 'unavailable', reason: 'the server writes no binary log' });
  });

  it('probes: a write in flight is not an inconsistency, an entry older than a completed write is', async () => {
    await direct.pool.query('TRUNCATE TABLE items');
    await direct.pool.query('INSERT INTO items (id, version, payload) VALUES (1, 3, ?), (2, 3, ?)', [
      Buffer.from('x'),
      Buffer.from('x'),
    ]);
    // Key 1: MySQL already has v3 (a write committed, its cache step not done): the newest
    // version completed ok is still v2, which the cache holds. Key 2: v3 completed ok, cache v2.
    await direct.redis.set(cacheKey(1), encodeEntry(2, Buffer.from('x')));
    await direct.redis.set(cacheKey(2), encodeEntry(2, Buffer.from('x')));
    const newestOk = new Map([
      [1, 2],
      [2, 3],
    ]);
    const prober = new ConsistencyProber(direct, 10e9, 1000, (key) => newestOk.get(key) ?? 0);
    prober.onWriteOk(10, 1, 0);
    prober.onWriteOk(11, 2, 100e6);
    await sleep(450);
    const probes = await prober.finish();
    assert.deepEqual(probes.map((p) => [p.key, p.consistent]).sort(), [
      [1, true],
      [2, false],
    ]);
  });

  it('write-behind under a Redis crash: lost writes from the binlog although no write is above the final row; kept runs recheck to the same numbers', async () => {
    const entry = findStrategy('write-behind');
    assert.ok(entry);
    const faultPlan = assignFaultIds([{ fault: 'redis-crash', at: 800, duration: 600 }]);
    const options = shortRun(11, {
      workload: { ...shortRun(11).workload, name: 'write-heavy', readRatio: 0.2, keys: 20 },
      durationMs: 2500,
      // No flush before the crash: whatever the machine's load, the queue holds every write of
      // the first second when Redis dies, so some are lost (the drain flushes the rest).
      flushIntervalMs: 3000,
      faultPlan,
    });
    const run = await runStrategy(entry, { env, direct, options });
    const c = run.result.consistency;
    assert.equal(c.lostWritesMeasuredBy, 'binlog');
    assert.ok(
      (c.lostWrites ?? 0) > 0,
      `lost writes ${c.lostWrites} of ${run.result.throughput.writes} writes`,
    );
    assert.ok((c.lostWrites ?? 0) >= c.writesAboveFinalRow);
    assert.ok(run.result.throughput.goodput <= run.result.throughput.attemptedOpsPerSec);
    const out = join(dir, 'write-behind');
    await writeRun(out, run, true);
    const recheck = await recheckRun(out);
    assert.deepEqual(recheck.differences, []);
    assert.deepEqual(recheck.result.consistency, run.result.consistency);
  });

  it('npm run check refuses a directory without the kept files in one line, exit 2', async () => {
    const bare = join(dir, 'bare');
    await writeRun(bare, await quickRun(env, direct), false);
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/cli/check.ts', bare], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(run.status, 2);
    assert.equal(run.stderr.trim().split('\n').length, 1);
    assert.match(run.stderr, /history\.bin\.gz.*--keep-history/);
  });
});

async function quickRun(env: Environment, direct: DirectConnections) {
  const entry = findStrategy('db-only');
  assert.ok(entry);
  return runStrategy(entry, { env, direct, options: shortRun(12, { durationMs: 500, warmupMs: 0 }) });
}
