import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import type mysql from 'mysql2/promise';
import { assertHealthy, faultContext, residualFaults } from '../../chaos/residual.ts';
import type { FaultContext } from '../../chaos/types.ts';
import { startLocalEnvironment } from '../../services/local.ts';
import { pidExists } from '../../services/processes.ts';
import type { Environment } from '../../services/types.ts';
import { buildFault, eventually, failure, mysqlPool, redisClient } from './clients.ts';

describe('process faults (real redis-server and mariadbd owned by the local environment)', () => {
  let env: Environment;
  let ctx: FaultContext;
  let redis: Redis;
  let pool: mysql.Pool;

  before(async () => {
    env = await startLocalEnvironment();
    ctx = faultContext(env);
    redis = await redisClient(env.endpoints.redis.proxied, 300);
    pool = mysqlPool(env);
    await pool.query('SELECT 1');
  });
  afterEach(async () => {
    await assertHealthy(env);
  });
  after(async () => {
    redis?.disconnect();
    await pool?.end().catch(() => undefined);
    await env?.stop();
  });

  it('redis-crash kills redis-server; heal starts a new one on the same port, empty without AOF', async () => {
    await redis.set('chaos:crash', 'before');
    const oldPid = env.processes?.pids().redis;
    assert.ok(oldPid !== undefined);
    const fault = buildFault('redis-crash', undefined);
    await fault.start(ctx);
    try {
      assert.equal(pidExists(oldPid), false, 'the old redis-server is gone');
      assert.equal(env.processes?.pids().redis, undefined);
      await failure(() => redis.ping());
      assert.deepEqual(await residualFaults(env), ['redis-server is not running']);
    } finally {
      await fault.heal(ctx);
    }
    const newPid = env.processes?.pids().redis;
    assert.ok(newPid !== undefined && newPid !== oldPid, `a new redis-server (pid ${newPid}, was ${oldPid})`);
    assert.equal(await eventually(() => redis.ping()), 'PONG', 'the client reconnected to the same port');
    assert.equal(await redis.get('chaos:crash'), null, 'the data held only by Redis is lost');
  });

  it('redis-pause leaves Redis silent (process stopped) until heal', async () => {
    const fault = buildFault('redis-pause', undefined);
    await fault.start(ctx);
    try {
      const error = await failure(() => redis.ping());
      assert.match(error.message, /timed out/i);
      const pid = env.processes?.pids().redis;
      assert.deepEqual(await residualFaults(env), [`redis-server (pid ${pid}) is stopped`]);
    } finally {
      await fault.heal(ctx);
    }
    assert.equal(await eventually(() => redis.ping()), 'PONG');
  });

  it('mysql-pause leaves MariaDB silent until heal', async () => {
    const fault = buildFault('mysql-pause', undefined);
    await fault.start(ctx);
    try {
      const error = await failure(() => pool.query({ sql: 'SELECT 1', timeout: 300 }));
      assert.match(error.message, /timeout/i);
      const pid = env.processes?.pids().mysql;
      assert.deepEqual(await residualFaults(env), [`mariadbd (pid ${pid}) is stopped`]);
    } finally {
      await fault.heal(ctx);
    }
    const [[row]] = (await eventually(() => pool.query('SELECT 1 + 1 AS two'))) as unknown as [
      [{ two: number }],
    ];
    assert.equal(row.two, 2);
  });
});
