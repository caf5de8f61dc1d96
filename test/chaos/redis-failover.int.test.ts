import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type DirectConnections, openDirect } from '../../bench/run/direct.ts';
import { runStrategy } from '../../bench/run/pipeline.ts';
import { redisFailoverFault } from '../../chaos/faults/redis-failover.ts';
import { assignFaultIds, faultContext, residualFaults } from '../../chaos/index.ts';
import type { FaultContext } from '../../chaos/types.ts';
import { startLocalEnvironment } from '../../services/local.ts';
import { pidExists } from '../../services/processes.ts';
import type { Environment } from '../../services/types.ts';
import { closeRedis, connectRedis } from '../../strategies/clients.ts';
import { defaultStrategyContext } from '../../strategies/defaults.ts';
import type { RedisClient } from '../../strategies/redis-client.ts';
import { findStrategy } from '../../strategies/registry.ts';
import { shortRun } from '../bench/run/short-run.ts';
import { eventually } from './clients.ts';

describe('redis-failover on the local Redis Cluster (real processes)', () => {
  let env: Environment;
  let ctx: FaultContext;
  let redis: RedisClient;
  const pids = new Set<number>();

  const notePids = () => {
    for (const pid of Object.values(env.processes?.pids() ?? {})) if (pid !== undefined) pids.add(pid);
  };

  before(async () => {
    env = await startLocalEnvironment({ cacheTopology: 'cluster' });
    ctx = faultContext(env);
    notePids();
    redis = await connectRedis(defaultStrategyContext(env.endpoints));
  });

  after(async () => {
    if (redis !== undefined) await closeRedis(redis);
    await env?.stop();
  });

  it('kills a master, promotes its replica, and at heal the old master rejoins as a replica', async () => {
    const cluster = env.cluster;
    assert.ok(cluster);
    const masters = (await cluster.roles())
      .filter((node) => node.role === 'master')
      .map((node) => node.index);
    const victim = masters[1] as number;
    const fault = redisFailoverFault.create('redis', { master: 1 }, 'redis-failover#1');
    await redis.set('before:{1}', 'v1');
    await fault.start(ctx);
    try {
      assert.equal(cluster.pids()[victim], undefined, 'the master is dead');
      // Every slot answers again once the replica of the dead master is promoted.
      await eventually(async () => {
        const roles = await cluster.roles();
        assert.equal(roles.filter((node) => node.role === 'master').length, 3, JSON.stringify(roles));
      }, 20_000);
      await eventually(() => redis.set('after:{2}', 'v2'), 10_000);
      assert.equal(await eventually(() => redis.get('before:{1}'), 10_000), 'v1');
      assert.match(
        (await residualFaults(env)).join('; '),
        new RegExp(`cluster node ${victim}\\) is not running`),
      );
    } finally {
      await fault.heal(ctx);
    }
    notePids();
    assert.equal((await cluster.roles())[victim]?.role, 'replica', 'the old master came back as a replica');
    assert.deepEqual(await residualFaults(env), []);
  });

  it('a write-behind run through a failover: the fault in the history, errors by kind, lost writes from the binlog', async () => {
    const entry = findStrategy('write-behind');
    assert.ok(entry);
    const direct: DirectConnections = await openDirect(env.endpoints);
    try {
      const { result, history } = await runStrategy(entry, {
        env,
        direct,
        options: shortRun(5, {
          durationMs: 5000,
          cacheTopology: 'cluster',
          faultPlan: assignFaultIds([
            { fault: 'redis-failover', target: 'redis', params: { master: 0 }, at: 500, duration: 3000 },
          ]),
        }),
      });
      notePids();
      assert.deepEqual(
        history.faults.map((event) => [event.id, event.phase]),
        [
          ['redis-failover#1', 'start'],
          ['redis-failover#1', 'heal'],
        ],
      );
      assert.deepEqual(result.run.topology, { db: 'single', cache: 'cluster', readFrom: 'primary' });
      assert.equal(result.consistency.lostWritesMeasuredBy, 'binlog');
      assert.equal(typeof result.consistency.lostWrites, 'number');
      const errors = result.throughput.errors;
      const byKind = Object.values(result.throughput.errorsByKind).reduce((sum, n) => sum + n, 0);
      assert.equal(byKind, errors, JSON.stringify(result.throughput.errorsByKind));
      assert.ok(result.throughput.okOps > 0);
      assert.deepEqual(await residualFaults(env), []);
      process.stderr.write(
        `  write-behind through a failover: ${result.throughput.okOps} ok, errors ${JSON.stringify(result.throughput.errorsByKind)}, lost writes ${result.consistency.lostWrites}\n`,
      );
    } finally {
      await direct.close();
    }
  });

  it('stop() ends every process, the restarted nodes included', async () => {
    assert.ok(pids.size >= 6 + 2 + 2, `six nodes, MariaDB, Toxiproxy and two restarted nodes: ${[...pids]}`);
    await closeRedis(redis);
    await env.stop();
    for (const pid of pids) assert.equal(pidExists(pid), false, `PID ${pid} still exists after stop()`);
  });
});
