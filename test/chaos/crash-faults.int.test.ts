import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import type mysql from 'mysql2/promise';
import { assertHealthy, faultContext, residualFaults } from '../../chaos/residual.ts';
import type { FaultContext } from '../../chaos/types.ts';
import { startLocalEnvironment } from '../../services/local.ts';
import { pidExists } from '../../services/processes.ts';
import type { Environment, RedisPersistence } from '../../services/types.ts';
import { buildFault, eventually, failure, mysqlPool, redisClient } from './clients.ts';

/** A local environment with a Redis client and a MySQL pool on the proxied links, checked healthy after each test. */
function withEnvironment(persistence: RedisPersistence) {
  const world = {} as { env: Environment; ctx: FaultContext; redis: Redis; pool: mysql.Pool };
  before(async () => {
    world.env = await startLocalEnvironment({ redisPersistence: persistence });
    world.ctx = faultContext(world.env);
    world.redis = await redisClient(world.env.endpoints.redis.proxied, 300);
    world.pool = mysqlPool(world.env);
    await world.pool.query('SELECT 1');
  });
  afterEach(async () => {
    await assertHealthy(world.env);
  });
  after(async () => {
    world.redis?.disconnect();
    await world.pool?.end().catch(() => undefined);
    await world.env?.stop();
  });
  return world;
}

describe('mysql-crash (real mariadbd, SIGKILL and InnoDB recovery)', () => {
  const world = withEnvironment('none');

  it('kills mariadbd; heal restarts it on the same port and data directory with every commit back', async () => {
    const { env, ctx, pool } = world;
    await pool.query('INSERT INTO items (id, version, payload) VALUES (901, 7, ?)', [Buffer.from('kept')]);
    const oldPid = env.processes?.pids().mysql;
    assert.ok(oldPid !== undefined);
    const datadir = env.processes?.dataDirs().mysql ?? '';
    const fault = buildFault('mysql-crash', undefined);
    await fault.start(ctx);
    try {
      assert.equal(pidExists(oldPid), false, 'the old mariadbd is gone');
      assert.equal(env.processes?.pids().mysql, undefined);
      await failure(() => pool.query('SELECT 1'));
      assert.deepEqual(await residualFaults(env), ['mariadbd is not running']);
      assert.ok(existsSync(join(datadir, 'ibdata1')), 'the data directory is left in place');
    } finally {
      await fault.heal(ctx);
      await fault.heal(ctx);
    }
    const newPid = env.processes?.pids().mysql;
    assert.ok(newPid !== undefined && newPid !== oldPid, `a new mariadbd (pid ${newPid}, was ${oldPid})`);
    const [rows] = await eventually(() => pool.query('SELECT version, payload FROM items WHERE id = 901'));
    const row = (rows as Array<{ version: number; payload: Buffer }>)[0];
    assert.equal(row?.version, 7, 'the committed row survived the crash');
    assert.equal(row?.payload.toString(), 'kept');
  });
});

describe('redis-restart without AOF (real redis-server, restart from the RDB taken at start)', () => {
  const world = withEnvironment('none');

  it('an entry deleted after the snapshot comes back stale after the restart', async () => {
    const { env, ctx, redis } = world;
    await redis.set('item:902', 'v1');
    const oldPid = env.processes?.pids().redis;
    const fault = buildFault('redis-restart', undefined);
    await fault.start(ctx);
    try {
      assert.equal(env.processes?.pids().redis, oldPid, 'Redis keeps serving until the heal');
      assert.ok(
        existsSync(join(env.processes?.dataDirs().redis ?? '', 'dump.rdb')),
        'the snapshot is on disk',
      );
      await redis.del('item:902');
      await redis.set('item:903', 'after the snapshot');
    } finally {
      await fault.heal(ctx);
      await fault.heal(ctx);
    }
    const newPid = env.processes?.pids().redis;
    assert.ok(oldPid !== undefined && !pidExists(oldPid), 'the snapshotted redis-server was killed');
    assert.ok(newPid !== undefined && newPid !== oldPid);
    assert.equal(
      await eventually(() => redis.get('item:902')),
      'v1',
      'the deleted entry is back from the RDB',
    );
    assert.equal(await redis.get('item:903'), null, 'what came after the snapshot is lost');
  });
});

describe('redis-restart with AOF always (restart from the append-only file)', () => {
  const world = withEnvironment('always');

  it('keeps every acknowledged command: a delete stays deleted, a stale entry written stays', async () => {
    const { ctx, redis } = world;
    await redis.set('item:904', 'v1');
    await redis.set('item:905', 'stale');
    const fault = buildFault('redis-restart', undefined);
    await fault.start(ctx);
    try {
      await redis.del('item:904');
    } finally {
      await fault.heal(ctx);
    }
    assert.equal(await eventually(() => redis.get('item:904')), null, 'the delete was in the AOF');
    assert.equal(await redis.get('item:905'), 'stale', 'the stale entry came back from the AOF');
  });
});
