import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import { Toxiproxy } from 'toxiproxy-node-client';
import { openDirect } from '../../bench/run/direct.ts';
import { loadItems, makePayload } from '../../bench/run/load-items.ts';
import { ConfigurationError } from '../../kernel/index.ts';
import { EXTERNAL_DEFAULTS, startExternalEnvironment } from '../../services/external.ts';
import { startLocalEnvironment } from '../../services/local.ts';
import type { Environment } from '../../services/types.ts';
import { closeRedis, connectRedis } from '../../strategies/clients.ts';
import { defaultStrategyContext } from '../../strategies/defaults.ts';

/**
 * External mode against services the test starts itself: the local environment's Redis,
 * MariaDB and Toxiproxy, with the two proxies the compose stack would have.
 */
describe('external environment guards (real Redis, MariaDB, Toxiproxy)', () => {
  let local: Environment;
  let toxiproxy: Toxiproxy;
  let admin: mysql.Connection;
  const redisAt = (db: number): Redis =>
    new Redis({ ...local.endpoints.redis.direct, db, lazyConnect: false, maxRetriesPerRequest: 1 });

  before(async () => {
    local = await startLocalEnvironment();
    toxiproxy = new Toxiproxy(local.endpoints.toxiproxy.url);
    const direct = local.endpoints;
    await toxiproxy.createProxy({
      name: EXTERNAL_DEFAULTS.redisProxy,
      listen: '127.0.0.1:0',
      upstream: `${direct.redis.direct.host}:${direct.redis.direct.port}`,
    });
    await toxiproxy.createProxy({
      name: EXTERNAL_DEFAULTS.mysqlProxy,
      listen: '127.0.0.1:0',
      upstream: `${direct.mysql.direct.host}:${direct.mysql.direct.port}`,
    });
    admin = await mysql.createConnection({
      ...direct.mysql.direct,
      user: direct.mysql.user,
      password: direct.mysql.password,
    });
  });
  after(async () => {
    await admin?.end();
    await local?.stop();
  });

  function external(database: string, redisDb: number, extra: { allowExistingDb?: boolean } = {}) {
    const warnings: string[] = [];
    const { mysql: m, redis, toxiproxy: t } = local.endpoints;
    const started = startExternalEnvironment({
      redisUrl: `redis://${redis.direct.host}:${redis.direct.port}/${redisDb}`,
      mysqlUrl: `mysql://${m.user}:${m.password}@${m.direct.host}:${m.direct.port}/${database}`,
      toxiproxyUrl: t.url,
      warn: (message) => warnings.push(message),
      ...extra,
    });
    return { started, warnings };
  }

  it("uses the Redis URL's database for every connection and flushes only that one", async () => {
    const db0 = redisAt(0);
    const db3 = redisAt(3);
    try {
      await db0.set('user:1', 'keep me');
      await db3.set('item:5', 'old');
      const env = await external('cacheproof_bench', 3).started;
      assert.equal(env.endpoints.redis.db, 3);
      const direct = await openDirect(env.endpoints);
      try {
        await loadItems(direct, 10, makePayload(8, 1));
      } finally {
        await direct.close();
      }
      assert.equal(await db0.get('user:1'), 'keep me');
      assert.equal(await db3.exists('item:5'), 0);
      const strategyRedis = await connectRedis(defaultStrategyContext(env.endpoints, { viaProxy: true }));
      try {
        await strategyRedis.set('item:6', 'through the proxy');
      } finally {
        await closeRedis(strategyRedis);
      }
      assert.equal(await db3.get('item:6'), 'through the proxy');
      assert.equal(await db0.exists('item:6'), 0);
    } finally {
      await db3.flushdb();
      db0.disconnect();
      db3.disconnect();
    }
  });

  it('refuses a Redis database holding keys that are not the harness’s, unless allowed', async () => {
    const db5 = redisAt(5);
    try {
      await db5.set('session:42', 'someone else');
      await db5.set('item:1', 'ours');
      await assert.rejects(
        external('cacheproof_bench', 5).started,
        (error: unknown) =>
          error instanceof ConfigurationError &&
          /^CACHEPROOF_REDIS_URL: Redis database 5 at .* holds keys that are not the harness's \(e\.g\. 'session:42'\); runs FLUSHDB it, so choose another database \(redis:\/\/host:port\/N\) or pass --allow-existing-db$/.test(
            error.message,
          ),
      );
      const allowed = await external('cacheproof_bench', 5, { allowExistingDb: true }).started;
      assert.equal(allowed.endpoints.redis.db, 5);
      assert.equal(await db5.get('session:42'), 'someone else');
    } finally {
      await db5.flushdb();
      db5.disconnect();
    }
  });

  it("refuses an items table that is not the harness's, with rows or without, flag or not", async () => {
    await admin.query('CREATE DATABASE IF NOT EXISTS cacheproof_foreign');
    await admin.query(
      'CREATE TABLE IF NOT EXISTS cacheproof_foreign.items (id INT PRIMARY KEY, name VARCHAR(20))',
    );
    await admin.query("INSERT IGNORE INTO cacheproof_foreign.items VALUES (1, 'precious')");
    try {
      for (const allowExistingDb of [false, true]) {
        await assert.rejects(
          external('cacheproof_foreign', 0, { allowExistingDb }).started,
          (error: unknown) =>
            error instanceof ConfigurationError &&
            error.message ===
              "CACHEPROOF_MYSQL_URL: cacheproof_foreign.items holds rows and is not the harness's table (columns id int, name varchar; expected id bigint, version bigint, payload varbinary, updated_at timestamp); runs truncate it, so use another database",
        );
      }
      const [rows] = await admin.query('SELECT name FROM cacheproof_foreign.items');
      assert.deepEqual(rows, [{ name: 'precious' }]);
      await admin.query('DELETE FROM cacheproof_foreign.items');
      await assert.rejects(
        external('cacheproof_foreign', 0).started,
        /cacheproof_foreign\.items is not the harness's table/,
      );
    } finally {
      await admin.query('DROP DATABASE cacheproof_foreign');
    }
  });

  it('removes the toxics a killed run left on its own proxies, keeps the others, and says so', async () => {
    const redisProxy = await toxiproxy.get(EXTERNAL_DEFAULTS.redisProxy);
    const attributes = { latency: 1000, jitter: 0 };
    await redisProxy.addToxic({
      name: 'cacheproof-redis-latency-1-upstream',
      type: 'latency',
      stream: 'upstream',
      toxicity: 1,
      attributes,
    });
    await redisProxy.addToxic({
      name: 'users-own',
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
      attributes,
    });
    const mysqlProxy = await toxiproxy.get(EXTERNAL_DEFAULTS.mysqlProxy);
    await mysqlProxy.update({ enabled: false, listen: mysqlProxy.listen, upstream: mysqlProxy.upstream });
    try {
      const { started, warnings } = external('cacheproof_bench', 7);
      await started;
      assert.deepEqual(warnings, [
        'removed 1 toxic an earlier run left on proxy cacheproof-redis (cacheproof-redis-latency-1-upstream)',
        'enabled proxy cacheproof-mysql again, which an earlier run left disabled',
      ]);
      const left = (await fetch(`${local.endpoints.toxiproxy.url}/proxies`).then((r) => r.json())) as Record<
        string,
        { enabled: boolean; toxics: { name: string }[] }
      >;
      assert.deepEqual(
        left[EXTERNAL_DEFAULTS.redisProxy]?.toxics.map((t: { name: string }) => t.name),
        ['users-own'],
      );
      assert.equal(left[EXTERNAL_DEFAULTS.mysqlProxy]?.enabled, true);
      // A clean start says nothing.
      const again = external('cacheproof_bench', 7);
      await again.started;
      assert.deepEqual(again.warnings, []);
    } finally {
      await fetch(
        `${local.endpoints.toxiproxy.url}/proxies/${EXTERNAL_DEFAULTS.redisProxy}/toxics/users-own`,
        {
          method: 'DELETE',
        },
      );
    }
  });
});
