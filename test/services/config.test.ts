import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigurationError } from '../../kernel/index.ts';
import { findServiceBinaries } from '../../services/binaries.ts';
import { resolveExternalSettings, startExternalEnvironment } from '../../services/external.ts';
import { parseEnvironmentKind } from '../../services/index.ts';
import { freePort } from '../../services/processes.ts';
import { databaseNameWords, HARNESS_REDIS_KEY } from '../../services/schema.ts';
import { cacheKey } from '../../strategies/cache-codec.ts';
import {
  clusterQueueKey,
  versionCounterKey,
  WRITE_BEHIND_QUEUE,
} from '../../strategies/patterns/write-behind.ts';

describe('environment configuration', () => {
  it('accepts the known environments and names the option for an unknown one', () => {
    assert.equal(parseEnvironmentKind('local'), 'local');
    assert.equal(parseEnvironmentKind('external'), 'external');
    assert.throws(
      () => parseEnvironmentKind('cloud'),
      (error: unknown) =>
        error instanceof ConfigurationError &&
        /--env: unknown environment 'cloud'.*local, external, docker/.test(error.message),
    );
  });

  it('reads external URLs, with defaults matching docker-compose.yml', () => {
    const settings = resolveExternalSettings({
      redisUrl: 'redis://10.0.0.9:7000',
      mysqlUrl: 'mysql://u:p%40ss@db.local:3307/shop_bench',
      toxiproxyUrl: 'http://127.0.0.1:8475',
    });
    assert.deepEqual(settings.redis, { host: '10.0.0.9', port: 7000, db: 0 });
    assert.deepEqual(settings.mysql, {
      host: 'db.local',
      port: 3307,
      user: 'u',
      password: 'p@ss',
      database: 'shop_bench',
    });
    assert.equal(settings.toxiproxyUrl, 'http://127.0.0.1:8475');
    const defaults = resolveExternalSettings({});
    assert.equal(defaults.mysql.database, 'cacheproof_bench');
    assert.equal(defaults.redis.port, 6379);
  });

  it('refuses a database whose name does not say it is for benchmarks, unless allowed', () => {
    const mysqlUrl = 'mysql://u:p@127.0.0.1:3306/production';
    assert.throws(
      () => resolveExternalSettings({ mysqlUrl }),
      /does not look like a benchmark database.*--allow-existing-db/,
    );
    assert.equal(resolveExternalSettings({ mysqlUrl, allowExistingDb: true }).mysql.database, 'production');
  });

  it('accepts a database name only when a whole word of it says benchmark', () => {
    const accepted = (name: string): boolean => {
      try {
        resolveExternalSettings({ mysqlUrl: `mysql://u:p@127.0.0.1:3306/${name}` });
        return true;
      } catch (error) {
        assert.ok(error instanceof ConfigurationError);
        return false;
      }
    };
    for (const name of [
      'cacheproof_bench',
      'shop_bench',
      'shopBench',
      'load-test',
      'app.tests',
      'Benchmark2',
      'test',
    ]) {
      assert.equal(accepted(name), true, name);
    }
    // Substrings used to pass: prod_latest holds "test", contest_results "test" too.
    for (const name of ['prod_latest', 'contest_results', 'benchdb', 'attestation', 'production']) {
      assert.equal(accepted(name), false, name);
    }
    assert.deepEqual(databaseNameWords('myShop-2024.bench_db'), ['my', 'shop', '2024', 'bench', 'db']);
  });

  it("uses the Redis URL's database index", () => {
    assert.equal(resolveExternalSettings({ redisUrl: 'redis://127.0.0.1:6379/3' }).redis.db, 3);
    assert.equal(resolveExternalSettings({ redisUrl: 'redis://127.0.0.1:6379/' }).redis.db, 0);
    assert.throws(
      () => resolveExternalSettings({ redisUrl: 'redis://127.0.0.1:6379/zero' }),
      /^ConfigurationError: CACHEPROOF_REDIS_URL: '\/zero' is not a database index/,
    );
  });

  it("the harness's Redis key pattern matches every key the strategies write, and nothing else", () => {
    for (const key of [cacheKey(7), versionCounterKey(7), WRITE_BEHIND_QUEUE, clusterQueueKey(7)]) {
      assert.match(key, HARNESS_REDIS_KEY);
    }
    for (const key of ['session:1', 'item:', 'item:{1}:x', 'wb:queue2', 'wb:queue:{x}', 'user:item:1']) {
      assert.doesNotMatch(key, HARNESS_REDIS_KEY);
    }
  });

  it('names the variable of a malformed URL', () => {
    assert.throws(
      () => resolveExternalSettings({ redisUrl: 'not a url' }),
      /CACHEPROOF_REDIS_URL: 'not a url' is not a URL/,
    );
    assert.throws(
      () => resolveExternalSettings({ mysqlUrl: 'http://x/y_bench' }),
      /CACHEPROOF_MYSQL_URL: .* must start with mysql:/,
    );
  });

  it('an unreachable external Redis is a configuration error naming the URL variable', async () => {
    const port = await freePort();
    await assert.rejects(
      startExternalEnvironment({ redisUrl: `redis://127.0.0.1:${port}` }),
      (error: unknown) =>
        error instanceof ConfigurationError &&
        /CACHEPROOF_REDIS_URL: no Redis answers PING/.test(error.message),
    );
  });

  it('a missing Toxiproxy binary is a configuration error that says how to install it', async () => {
    const saved = process.env.CACHEPROOF_TOXIPROXY_BIN;
    process.env.CACHEPROOF_TOXIPROXY_BIN = '/nonexistent/toxiproxy-server';
    try {
      await assert.rejects(
        findServiceBinaries(),
        (error: unknown) =>
          error instanceof ConfigurationError &&
          /missing toxiproxy-server .*npm run setup/.test(error.message),
      );
    } finally {
      if (saved === undefined) delete process.env.CACHEPROOF_TOXIPROXY_BIN;
      else process.env.CACHEPROOF_TOXIPROXY_BIN = saved;
    }
  });
});
