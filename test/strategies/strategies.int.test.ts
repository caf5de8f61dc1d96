import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Pool } from 'mysql2/promise';
import { ConfigurationError } from '../../kernel/index.ts';
import { startLocalEnvironment } from '../../services/local.ts';
import type { Environment } from '../../services/types.ts';
import { cacheKey, readCacheVersions } from '../../strategies/cache-codec.ts';
import { connectMysql, connectRedis } from '../../strategies/clients.ts';
import { readDbVersions } from '../../strategies/db-access.ts';
import { defaultStrategyContext } from '../../strategies/defaults.ts';
import type { RedisClient } from '../../strategies/redis-client.ts';
import { strategyEntries } from '../../strategies/registry.ts';
import { createStepRecorder } from '../../strategies/step-recorder.ts';
import type { CacheStrategy, StepKind } from '../../strategies/types.ts';

let env: Environment;
let redis: RedisClient;
let pool: Pool;
/** Each test takes fresh keys so tests do not see each other's rows. */
let nextKey = 1;

function payloadOf(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

function textOf(payload: Uint8Array): string {
  return new TextDecoder().decode(payload);
}

before(async () => {
  env = await startLocalEnvironment({ redisPersistence: 'none' });
  const direct = defaultStrategyContext(env.endpoints, { viaProxy: false });
  redis = await connectRedis(direct);
  pool = await connectMysql(direct);
});

after(async () => {
  redis?.disconnect();
  await pool?.end();
  await env?.stop();
});

async function withStrategy<T>(
  name: string,
  run: (strategy: CacheStrategy) => Promise<T>,
  ttlSeconds = 0,
): Promise<T> {
  const entry = strategyEntries.find((candidate) => candidate.name === name);
  assert.ok(entry, name);
  const strategy = await entry.factory(
    defaultStrategyContext(env.endpoints, { ttlSeconds, flushIntervalMs: 20 }),
  );
  try {
    await strategy.start?.();
    return await run(strategy);
  } finally {
    await strategy.close();
  }
}

for (const { name, readsOwnWrites } of strategyEntries) {
  describe(`${name} in sequential use`, () => {
    it('reads absent, then always the latest write, with strictly increasing versions', async () => {
      const key = nextKey++;
      await withStrategy(name, async (strategy) => {
        const absent = await strategy.read(key);
        assert.equal(absent.found, false);
        let previous = 0;
        for (let i = 1; i <= 5; i++) {
          const { version } = await strategy.write(key, payloadOf(`${name} #${i}`));
          assert.ok(version > previous, `version ${version} after ${previous}`);
          previous = version;
          // A pattern that applies writes to the cache later (cdc-invalidate) is read once caught up.
          if (readsOwnWrites === false) await strategy.drain?.();
          for (let readNo = 0; readNo < 2; readNo++) {
            const seen = await strategy.read(key);
            assert.ok(seen.found);
            assert.equal(seen.version, version);
            assert.equal(textOf(seen.payload), `${name} #${i}`);
          }
        }
        await strategy.drain?.();
        const [dbVersion] = await readDbVersions(pool, [key]);
        assert.equal(dbVersion, previous, 'MySQL holds the last version after drain');
        const stats = strategy.stats();
        assert.ok(stats.dbQueries > 0);
        assert.equal(stats.redisCommands > 0, name !== 'db-only');
        const description = strategy.describe();
        assert.equal(description.name, name);
        assert.equal(description.options.redisCommandTimeoutMs, 1000);
        assert.equal(description.options.mysqlPoolSize, 16);
      });
    });
  });
}

describe('cache entries', () => {
  it('cache patterns leave the latest version in the cache (or none); db-only never touches Redis', async () => {
    for (const { name } of strategyEntries) {
      const key = nextKey++;
      const last = await withStrategy(name, async (strategy) => {
        await strategy.write(key, payloadOf('a'));
        const { version } = await strategy.write(key, payloadOf('b'));
        // Background work (write-behind's flusher, cdc-invalidate's invalidator) finishes first.
        await strategy.drain?.();
        await strategy.read(key);
        await strategy.drain?.();
        return version;
      });
      const [cached] = await readCacheVersions(redis, [key]);
      assert.equal(cached, name === 'db-only' ? 0 : last, name);
    }
  });

  it('applies the TTL to every cache SET', async () => {
    for (const name of ['cache-aside', 'write-through', 'write-behind', 'delete-then-update']) {
      const key = nextKey++;
      await withStrategy(
        name,
        async (strategy) => {
          await strategy.write(key, payloadOf('ttl'));
          await strategy.read(key);
        },
        30,
      );
      const ttl = await redis.ttl(cacheKey(key));
      assert.ok(ttl > 0 && ttl <= 30, `${name}: ttl ${ttl}`);
    }
  });
});

describe('step tracing', () => {
  const expected: Record<string, { write: StepKind[]; missRead: StepKind[]; hitRead: StepKind[] }> = {
    'delete-then-update': {
      write: ['cache-del', 'db-write'],
      missRead: ['cache-get-miss', 'db-read', 'cache-set'],
      hitRead: ['cache-get-hit'],
    },
    'cache-aside': {
      write: ['db-write', 'cache-del'],
      missRead: ['cache-get-miss', 'db-read', 'cache-set'],
      hitRead: ['cache-get-hit'],
    },
    'write-through': {
      write: ['db-write', 'cache-set'],
      missRead: ['cache-get-hit'],
      hitRead: ['cache-get-hit'],
    },
    'write-behind': {
      write: ['cache-set', 'queue-push'],
      missRead: ['cache-get-hit'],
      hitRead: ['cache-get-hit'],
    },
    'db-only': { write: ['db-write'], missRead: ['db-read'], hitRead: ['db-read'] },
  };
  for (const [name, steps] of Object.entries(expected)) {
    it(`${name}: write, read, read record the expected steps in order, only for the traced key`, async () => {
      const key = nextKey++;
      const other = nextKey++;
      const recorder = createStepRecorder([key]);
      const entry = strategyEntries.find((candidate) => candidate.name === name);
      assert.ok(entry);
      const strategy = await entry.factory(defaultStrategyContext(env.endpoints, { tracer: recorder }));
      try {
        const { version } = await strategy.write(key, payloadOf('x'), 1);
        await strategy.read(key, 2);
        await strategy.read(key, 3);
        await strategy.write(other, payloadOf('y'), 4);
        const byOp = (opId: number) =>
          recorder.events.filter((event) => event.opId === opId).map((e) => e.step);
        assert.deepEqual(byOp(1), steps.write);
        assert.deepEqual(byOp(2), steps.missRead);
        assert.deepEqual(byOp(3), steps.hitRead);
        assert.equal(
          recorder.events.some((event) => event.key === other),
          false,
        );
        const writeStep = recorder.events.find((event) => event.opId === 1 && event.step !== 'cache-del');
        assert.equal(writeStep?.version, version);
        const times = recorder.events.map((event) => event.at);
        assert.deepEqual(
          times,
          [...times].sort((a, b) => a - b),
        );
      } finally {
        await strategy.close();
      }
    });
  }
});

/** A loopback port nobody listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address !== null && typeof address === 'object');
  return address.port;
}

describe('unreachable services', () => {
  it('a factory fails at once, naming the service and the address', async () => {
    const port = await closedPort();
    const redisDown = defaultStrategyContext(
      { ...env.endpoints, redis: { ...env.endpoints.redis, direct: { host: '127.0.0.1', port } } },
      { viaProxy: false },
    );
    const mysqlDown = defaultStrategyContext(
      { ...env.endpoints, mysql: { ...env.endpoints.mysql, direct: { host: '127.0.0.1', port } } },
      { viaProxy: false },
    );
    for (const { name, factory } of strategyEntries) {
      const started = performance.now();
      await assert.rejects(
        factory(mysqlDown),
        (error: unknown) =>
          error instanceof ConfigurationError &&
          error.message.startsWith(`cannot reach MySQL at 127.0.0.1:${port}`),
        name,
      );
      if (name !== 'db-only') {
        await assert.rejects(
          factory(redisDown),
          (error: unknown) =>
            error instanceof ConfigurationError &&
            error.message.startsWith(`cannot reach Redis at 127.0.0.1:${port}`),
          name,
        );
      }
      assert.ok(performance.now() - started < 3000, `${name} gave up quickly`);
    }
  });
});
