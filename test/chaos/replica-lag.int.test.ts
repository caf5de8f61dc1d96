import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type DirectConnections, openDirect } from '../../bench/run/direct.ts';
import { runStrategy } from '../../bench/run/pipeline.ts';
import { replicaLagFault } from '../../chaos/faults/replica-lag.ts';
import { assignFaultIds, faultContext, residualFaults } from '../../chaos/index.ts';
import type { Fault, FaultContext } from '../../chaos/types.ts';
import { startLocalEnvironment } from '../../services/local.ts';
import { pidExists } from '../../services/processes.ts';
import type { Environment } from '../../services/types.ts';
import { defaultStrategyContext } from '../../strategies/defaults.ts';
import { findStrategy } from '../../strategies/registry.ts';
import type { CacheStrategy } from '../../strategies/types.ts';
import { shortRun } from '../bench/run/short-run.ts';

const LAG_MS = 1000;
const KEY = 7;
const PAYLOAD = new Uint8Array([1, 2, 3]);

/** The version a read returns (0: absent). */
async function versionRead(strategy: CacheStrategy): Promise<number> {
  const read = await strategy.read(KEY);
  return read.found ? read.version : 0;
}

/** Reads until the read returns at least `version`, bounded; the reads seen on the way, each with its completion time. */
async function readUntil(
  strategy: CacheStrategy,
  version: number,
  deadlineMs: number,
): Promise<{ version: number; completedAt: number }[]> {
  const reads: { version: number; completedAt: number }[] = [];
  const deadline = performance.now() + deadlineMs;
  while (performance.now() < deadline) {
    const seen = await versionRead(strategy);
    reads.push({ version: seen, completedAt: performance.now() });
    if (seen >= version) return reads;
    await sleep(20);
  }
  assert.fail(
    `the replica did not serve v${version} within ${deadlineMs} ms; last ${JSON.stringify(reads.at(-1))}`,
  );
}

describe('replica-lag on a MySQL primary and replica (real processes)', () => {
  let env: Environment;
  let ctx: FaultContext;
  let replicaReads: CacheStrategy;
  let pids: number[] = [];

  before(async () => {
    env = await startLocalEnvironment({ dbTopology: 'primary-replica' });
    ctx = faultContext(env);
    pids = Object.values(env.processes?.pids() ?? {}).filter((pid): pid is number => pid !== undefined);
    // db-only reading the replica: every read is one SELECT on the replica, every write goes to the primary.
    const dbOnly = findStrategy('db-only');
    assert.ok(dbOnly);
    replicaReads = await dbOnly.factory(defaultStrategyContext(env.endpoints, { readFrom: 'replica' }));
  });

  after(async () => {
    await replicaReads?.close();
    await env?.stop();
  });

  it('replicates a write of the primary to the replica', async () => {
    assert.equal(env.topology.db, 'primary-replica');
    const { version } = await replicaReads.write(KEY, PAYLOAD);
    await readUntil(replicaReads, version, 10_000);
    assert.deepEqual(await residualFaults(env), []);
  });

  it("latency: a write is read from the replica after the link's delay and not before", async () => {
    const fault: Fault = replicaLagFault.create('replication', { latencyMs: LAG_MS }, 'replica-lag#1');
    await fault.start(ctx);
    try {
      const before = await versionRead(replicaReads);
      const invokedAt = performance.now();
      const { version } = await replicaReads.write(KEY, PAYLOAD);
      assert.ok(version > before);
      const reads = await readUntil(replicaReads, version, LAG_MS + 15_000);
      // A read that completed before the write was sent + the delay cannot have seen it: the
      // binlog event left the primary after the write was sent and waits LAG_MS in the proxy.
      const early = reads.filter((read) => read.completedAt < invokedAt + LAG_MS);
      assert.ok(early.length > 0, 'some reads completed inside the delay');
      for (const read of early) assert.equal(read.version, before, JSON.stringify(read));
      const seen = reads.at(-1);
      assert.ok(seen !== undefined && seen.completedAt >= invokedAt + LAG_MS);
    } finally {
      await fault.heal(ctx);
    }
    assert.deepEqual(await residualFaults(env), []);
  });

  it('pause: the replica applies nothing until the heal, then catches up; the residue check sees it', async () => {
    const fault = replicaLagFault.create('replication', { mode: 'pause' }, 'replica-lag#2');
    const before = await versionRead(replicaReads);
    await fault.start(ctx);
    let version: number;
    try {
      ({ version } = await replicaReads.write(KEY, PAYLOAD));
      const until = performance.now() + 500;
      while (performance.now() < until) {
        assert.equal(await versionRead(replicaReads), before, 'a paused replica serves the old version');
        await sleep(50);
      }
      assert.equal((await env.replica?.status())?.sqlRunning, false);
      assert.match((await residualFaults(env)).join('; '), /the replica's SQL thread is stopped/);
    } finally {
      await fault.heal(ctx);
    }
    await readUntil(replicaReads, version, 15_000);
    assert.deepEqual(await residualFaults(env), []);
  });

  it('a run reading the replica under replica-lag measures the lag and heals the link', async () => {
    const entry = findStrategy('cache-aside');
    assert.ok(entry);
    const direct: DirectConnections = await openDirect(env.endpoints);
    try {
      const { result, history } = await runStrategy(entry, {
        env,
        direct,
        options: shortRun(3, {
          durationMs: 3000,
          readFrom: 'replica',
          faultPlan: assignFaultIds([
            {
              fault: 'replica-lag',
              target: 'replication',
              params: { latencyMs: LAG_MS },
              at: 500,
              duration: 1500,
            },
          ]),
        }),
      });
      assert.deepEqual(
        history.faults.map((event) => [event.id, event.phase]),
        [
          ['replica-lag#1', 'start'],
          ['replica-lag#1', 'heal'],
        ],
      );
      assert.deepEqual(result.run.topology, { db: 'primary-replica', cache: 'single', readFrom: 'replica' });
      assert.equal(result.run.strategyConfig.readFrom, 'replica');
      assert.ok((result.run.strategyCounters?.replicaReads ?? 0) > 0, 'misses were read from the replica');
      const lag = result.replication;
      assert.ok(lag !== undefined);
      assert.equal(lag.readFrom, 'replica');
      assert.ok(lag.secondsBehindMaster.samples > 0);
      assert.ok(lag.visibilityLagMs.samples > 0);
      // Writes sampled inside the window reached the replica no sooner than the link's delay.
      assert.ok((lag.visibilityLagMs.max ?? 0) >= LAG_MS * 0.9, JSON.stringify(lag.visibilityLagMs));
      // The snapshot and the lost-write evidence read the primary: nothing lost, evidence from its binlog.
      assert.equal(result.consistency.lostWritesMeasuredBy, 'binlog');
      assert.equal(result.consistency.lostWrites, 0);
      assert.deepEqual(await residualFaults(env), []);
    } finally {
      await direct.close();
    }
  });

  it('stop() ends every process of the topology: Redis, Toxiproxy, both mariadbd', async () => {
    assert.equal(pids.length, 4, `redis, mariadbd ×2, toxiproxy: ${JSON.stringify(env.processes?.pids())}`);
    assert.ok(env.processes?.pids().mysqlReplica !== undefined);
    for (const pid of pids) assert.equal(pidExists(pid), true);
    await replicaReads.close();
    await env.stop();
    for (const pid of pids) assert.equal(pidExists(pid), false, `PID ${pid} still exists after stop()`);
  });
});
