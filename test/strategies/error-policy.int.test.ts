import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Pool } from 'mysql2/promise';
import { Toxiproxy } from 'toxiproxy-node-client';
import { proxyName, setProxyEnabled } from '../../chaos/toxiproxy.ts';
import { startLocalEnvironment } from '../../services/local.ts';
import type { Environment } from '../../services/types.ts';
import { cacheKey, encodeEntry, readCacheVersions } from '../../strategies/cache-codec.ts';
import { connectMysql, connectRedis } from '../../strategies/clients.ts';
import { readDbVersions } from '../../strategies/db-access.ts';
import { defaultStrategyContext } from '../../strategies/defaults.ts';
import type { RedisClient } from '../../strategies/redis-client.ts';
import { findStrategy } from '../../strategies/registry.ts';
import type { CacheStrategy, ErrorPolicy } from '../../strategies/types.ts';

let env: Environment;
let redis: RedisClient;
let pool: Pool;
let toxiproxy: Toxiproxy;
const bytes = (text: string) => new TextEncoder().encode(text);

before(async () => {
  env = await startLocalEnvironment({ redisPersistence: 'none' });
  const direct = defaultStrategyContext(env.endpoints, { viaProxy: false });
  redis = await connectRedis(direct);
  pool = await connectMysql(direct);
  toxiproxy = new Toxiproxy(env.endpoints.toxiproxy.url);
});

after(async () => {
  redis?.disconnect();
  await pool?.end();
  await env?.stop();
});

async function open(name: string, errorPolicy: ErrorPolicy): Promise<CacheStrategy> {
  const entry = findStrategy(name);
  assert.ok(entry, name);
  return entry.factory(defaultStrategyContext(env.endpoints, { errorPolicy }));
}

/** Cuts the Redis link (the proxy refuses and closes connections), runs `during`, and always heals. */
async function withRedisPartition(during: () => Promise<void>): Promise<void> {
  await setProxyEnabled(toxiproxy, proxyName(env, 'redis'), false);
  try {
    await during();
  } finally {
    await setProxyEnabled(toxiproxy, proxyName(env, 'redis'), true);
  }
}

/** Polls `condition` every 20 ms until it holds or `timeoutMs` passes (then fails with `what`). */
async function waitFor(what: string, condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) assert.fail(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('error policies against a Redis partition', () => {
  it('fail: a read whose cache step fails throws', async () => {
    const strategy = await open('cache-aside', { onCacheError: 'fail', onInvalidationError: 'fail' });
    try {
      await strategy.write(7001, bytes('a'));
      await withRedisPartition(async () => {
        await assert.rejects(strategy.read(7001));
      });
    } finally {
      await strategy.close();
    }
  });

  it('fallback: reads are served from MySQL during the partition and counted as degraded', async () => {
    const strategy = await open('cache-aside', { onCacheError: 'fallback', onInvalidationError: 'fail' });
    try {
      const { version } = await strategy.write(7002, bytes('b'));
      await withRedisPartition(async () => {
        for (let i = 0; i < 5; i++) {
          const result = await strategy.read(7002);
          assert.equal(result.source, 'db');
          assert.ok(result.found);
          assert.equal(result.version, version);
        }
      });
      assert.equal(strategy.stats().counters?.degradedReads, 5);
      assert.equal(strategy.describe().options.onCacheError, 'fallback');
    } finally {
      await strategy.close();
    }
  });

  it('retry: a write whose DEL fails is acknowledged, and the DEL is retried until it succeeds after the heal', async () => {
    const key = 7003;
    const strategy = await open('cache-aside', { onCacheError: 'fail', onInvalidationError: 'retry' });
    try {
      await strategy.write(key, bytes('c1'));
      await strategy.read(key);
      const [cached] = await readCacheVersions(redis, [key]);
      assert.ok((cached ?? 0) > 0, 'the entry is cached before the partition');
      let written = 0;
      await withRedisPartition(async () => {
        written = (await strategy.write(key, bytes('c2'))).version;
        // Still stale: the DEL is queued, and retries fail while the link is cut.
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.deepEqual(await readCacheVersions(redis, [key]), [cached]);
      });
      assert.deepEqual(await readDbVersions(pool, [key]), [written]);
      await waitFor(
        'the queued DEL to succeed',
        async () => (await readCacheVersions(redis, [key]))[0] === 0,
      );
      const counters = strategy.stats().counters ?? {};
      assert.equal(counters.invalidationsQueued, 1);
      assert.equal(counters.invalidationsHealed, 1);
      assert.ok((counters.invalidationRetries ?? 0) >= 2, `retries ${counters.invalidationRetries}`);
    } finally {
      await strategy.close();
    }
  });

  it('fail: the write whose DEL fails throws, and MySQL keeps the commit', async () => {
    const key = 7004;
    const strategy = await open('cache-aside', { onCacheError: 'fail', onInvalidationError: 'fail' });
    try {
      const { version } = await strategy.write(key, bytes('d1'));
      await redis.set(cacheKey(key), encodeEntry(version, bytes('d1')));
      await withRedisPartition(async () => {
        await assert.rejects(strategy.write(key, bytes('d2')));
      });
      assert.deepEqual(await readDbVersions(pool, [key]), [version + 1]);
      assert.deepEqual(await readCacheVersions(redis, [key]), [version], 'the entry stays stale');
    } finally {
      await strategy.close();
    }
  });
});
