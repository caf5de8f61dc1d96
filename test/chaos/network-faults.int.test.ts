import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import type mysql from 'mysql2/promise';
import { assertHealthy, faultContext } from '../../chaos/residual.ts';
import type { FaultContext } from '../../chaos/types.ts';
import { startLocalEnvironment } from '../../services/local.ts';
import type { Environment } from '../../services/types.ts';
import { buildFault, eventually, failure, medianMs, mysqlPool, redisClient, timed } from './clients.ts';

/** Resolves with the error of a raw TCP connect, or undefined when it connected. */
function connectError(port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('error', (error) => resolve(error));
  });
}

describe('network faults through Toxiproxy (real Redis, MariaDB, Toxiproxy)', () => {
  let env: Environment;
  let ctx: FaultContext;
  let redis: Redis;
  let pool: mysql.Pool;

  before(async () => {
    env = await startLocalEnvironment();
    ctx = faultContext(env);
    redis = await redisClient(env.endpoints.redis.proxied);
    pool = mysqlPool(env);
    await redis.ping();
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

  it('latency slows a Redis connection that was already open, and heal restores it', async () => {
    const clientId = await redis.client('ID');
    // Below the 100 ms the fault adds: a busy machine slows a round trip, not by that much.
    assert.ok((await medianMs(() => redis.ping())) < 60);
    const fault = buildFault('latency', 'redis', { latencyMs: 100 });
    await fault.start(ctx);
    try {
      const slowed = await medianMs(() => redis.ping());
      assert.ok(slowed >= 95, `PING took ${slowed}ms with 100ms latency`);
      assert.equal(await redis.client('ID'), clientId, 'the same connection was slowed, no reconnect');
    } finally {
      await fault.heal(ctx);
    }
    // Below the 100 ms the fault adds: a busy machine slows a round trip, not by that much.
    assert.ok((await medianMs(() => redis.ping())) < 60);
  });

  it('latency slows a pooled MySQL connection that was already open, and heal restores it', async () => {
    const [[before]] = (await pool.query('SELECT CONNECTION_ID() AS id')) as unknown as [[{ id: number }]];
    const fault = buildFault('latency', 'mysql', { latencyMs: 100 });
    await fault.start(ctx);
    try {
      let connectionId = 0;
      const slowed = await medianMs(async () => {
        const [[row]] = (await pool.query('SELECT CONNECTION_ID() AS id')) as unknown as [[{ id: number }]];
        connectionId = row.id;
      });
      assert.ok(slowed >= 95, `SELECT took ${slowed}ms with 100ms latency`);
      assert.equal(connectionId, before.id, 'the pooled connection was slowed, not replaced');
    } finally {
      await fault.heal(ctx);
    }
    // Below the 100 ms the fault added: a busy machine slows a round trip, not by that much.
    assert.ok((await medianMs(() => pool.query('SELECT 1'))) < 60);
  });

  it('latency in both directions adds the delay twice; jitter spreads it', async () => {
    const both = buildFault('latency', 'redis', { latencyMs: 60, direction: 'both' });
    await both.start(ctx);
    try {
      const slowed = await medianMs(() => redis.ping());
      assert.ok(slowed >= 115, `PING took ${slowed}ms with 60ms each way`);
    } finally {
      await both.heal(ctx);
    }
    const jittery = buildFault('latency', 'redis', { latencyMs: 60, jitterMs: 50 }, 'redis-latency#2');
    await jittery.start(ctx);
    try {
      const times: number[] = [];
      for (let i = 0; i < 12; i++) times.push(await timed(() => redis.ping()));
      const spread = Math.max(...times) - Math.min(...times);
      assert.ok(Math.min(...times) >= 9, `fastest PING ${Math.min(...times)}ms is within 60±50ms`);
      assert.ok(spread > 5, `PING times ${times.map(Math.round).join(', ')} vary with jitter`);
    } finally {
      await jittery.heal(ctx);
    }
  });

  it('partition (timeout mode) makes Redis and MySQL commands time out; heal restores both', async () => {
    let closes = 0;
    const onClose = () => closes++;
    redis.on('close', onClose);
    const redisCut = buildFault('partition', 'redis');
    const mysqlCut = buildFault('partition', 'mysql');
    await redisCut.start(ctx);
    await mysqlCut.start(ctx);
    try {
      const redisError = await failure(() => redis.ping());
      assert.match(redisError.message, /timed out/i);
      assert.equal(closes, 0, 'the connection hangs open during the partition');
      const mysqlError = await failure(() => pool.query({ sql: 'SELECT 1', timeout: 500 }));
      assert.match(mysqlError.message, /timeout/i);
    } finally {
      await redisCut.heal(ctx);
      await mysqlCut.heal(ctx);
    }
    assert.equal(await eventually(() => redis.ping()), 'PONG');
    redis.off('close', onClose);
    assert.ok(closes >= 1, 'Toxiproxy closed the connection that lived through the partition at heal');
    assert.ok(await eventually(() => pool.query('SELECT 1')));
  });

  it('partition (disable mode) closes connections and refuses new ones; ioredis and the pool reconnect after heal', async () => {
    let closes = 0;
    const onClose = () => closes++;
    redis.on('close', onClose);
    const fault = buildFault('partition', 'redis', { mode: 'disable' });
    const mysqlFault = buildFault('partition', 'mysql', { mode: 'disable' });
    await fault.start(ctx);
    await mysqlFault.start(ctx);
    try {
      await failure(() => redis.ping());
      assert.ok(closes >= 1, 'the open Redis connection was closed');
      assert.equal((await connectError(env.endpoints.redis.proxied.port))?.code, 'ECONNREFUSED');
      await failure(() => pool.query({ sql: 'SELECT 1', timeout: 500 }));
    } finally {
      await fault.heal(ctx);
      await mysqlFault.heal(ctx);
      redis.off('close', onClose);
    }
    assert.equal(await eventually(() => redis.ping()), 'PONG', 'the same ioredis client reconnected');
    assert.ok(await eventually(() => pool.query('SELECT 1')));
  });

  it('reset_peer makes a Redis command fail with a reset connection; heal restores', async () => {
    const fault = buildFault('reset-peer', 'redis');
    await fault.start(ctx);
    try {
      const error = await failure(() => redis.ping());
      assert.match(error.message, /ECONNRESET|Connection is closed|max retries|Stream isn't writeable/i);
    } finally {
      await fault.heal(ctx);
    }
    assert.equal(await eventually(() => redis.ping()), 'PONG');
  });

  it('bandwidth slows a large GET in proportion to its size', async () => {
    const bulky = await redisClient(env.endpoints.redis.proxied, 10_000);
    try {
      const value = 'v'.repeat(100 * 1024);
      await bulky.set('chaos:bandwidth', value);
      // Well under the 800 ms the limit makes it take, also on a busy machine.
      assert.ok((await timed(() => bulky.get('chaos:bandwidth'))) < 400);
      const fault = buildFault('bandwidth', 'redis', { rateKBps: 100 });
      await fault.start(ctx);
      try {
        let read: string | null = null;
        const took = await timed(async () => {
          read = await bulky.get('chaos:bandwidth');
        });
        assert.ok(took >= 800, `100 KB at 100 KB/s took ${took}ms`);
        assert.equal(read, value);
      } finally {
        await fault.heal(ctx);
      }
    } finally {
      bulky.disconnect();
    }
  });

  it('slicer delivers Redis and MySQL data intact in small pieces', async () => {
    const value = Array.from({ length: 20_000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
    await redis.set('chaos:slicer', value);
    const redisSlicer = buildFault('slicer', 'redis', { averageSize: 64, sizeVariation: 32, delayUs: 10 });
    const mysqlSlicer = buildFault('slicer', 'mysql', { averageSize: 64, sizeVariation: 32, delayUs: 10 });
    await redisSlicer.start(ctx);
    await mysqlSlicer.start(ctx);
    try {
      assert.equal(await redis.get('chaos:slicer'), value);
      const [[row]] = (await pool.query("SELECT REPEAT('abc', 5000) AS v, 42 AS n")) as unknown as [
        [{ v: string; n: number }],
      ];
      assert.equal(row.v, 'abc'.repeat(5000));
      assert.equal(row.n, 42);
    } finally {
      await redisSlicer.heal(ctx);
      await mysqlSlicer.heal(ctx);
    }
  });

  it('slow_close keeps data correct and holds a closing connection open for the delay', async () => {
    const fault = buildFault('slow-close', 'redis', { delayMs: 500 });
    await fault.start(ctx);
    const lingering = await redisClient(env.endpoints.redis.proxied);
    try {
      await lingering.set('chaos:slow-close', 'kept');
      assert.equal(await lingering.get('chaos:slow-close'), 'kept');
      const closed = new Promise<void>((resolve) => lingering.once('end', () => resolve()));
      const took = await timed(async () => {
        await lingering.quit();
        await closed;
      });
      assert.ok(took >= 450, `the close reached the client after ${took}ms`);
    } finally {
      lingering.disconnect();
      await fault.heal(ctx);
    }
  });
});
