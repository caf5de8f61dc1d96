import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Pool } from 'mysql2/promise';
import { startLocalEnvironment } from '../../services/local.ts';
import type { Environment } from '../../services/types.ts';
import { cacheKey, encodeEntry, readCacheVersions } from '../../strategies/cache-codec.ts';
import { connectMysql, connectRedis } from '../../strategies/clients.ts';
import { readDbVersions, VERSIONED_WRITE_SQL } from '../../strategies/db-access.ts';
import { defaultStrategyContext } from '../../strategies/defaults.ts';
import { PauseController } from '../../strategies/pause-controller.ts';
import type { RedisClient } from '../../strategies/redis-client.ts';
import { cacheViewOf, findStrategy } from '../../strategies/registry.ts';
import type { CacheStrategy } from '../../strategies/types.ts';
import { versionedDelete, versionedSet } from '../../strategies/versioned-cache.ts';

let env: Environment;
let redis: RedisClient;
let pool: Pool;
let scratchDir: string;
let nextKey = 5000;

const bytes = (text: string) => new TextEncoder().encode(text);

before(async () => {
  env = await startLocalEnvironment({ redisPersistence: 'none' });
  const direct = defaultStrategyContext(env.endpoints, { viaProxy: false });
  redis = await connectRedis(direct);
  pool = await connectMysql(direct);
  scratchDir = await mkdtemp(join(tmpdir(), 'cacheproof-patterns-'));
});

after(async () => {
  redis?.disconnect();
  await pool?.end();
  await env?.stop();
  if (scratchDir !== undefined) await rm(scratchDir, { recursive: true, force: true });
});

async function open(
  name: string,
  strategyOptions: Record<string, string | number | boolean> = {},
  pause?: PauseController,
): Promise<CacheStrategy> {
  const entry = findStrategy(name);
  assert.ok(entry, name);
  const strategy = await entry.factory(
    defaultStrategyContext(env.endpoints, { strategyOptions, pause: pause?.hook }),
  );
  await strategy.start?.();
  return strategy;
}

/** Polls `condition` every 5 ms until it holds or `timeoutMs` passes (then fails with `what`). */
async function waitFor(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) assert.fail(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A write from outside any strategy (another application), straight to MySQL. */
async function writeRow(key: number, text: string): Promise<void> {
  await pool.execute(VERSIONED_WRITE_SQL, [key, Buffer.from(text)]);
}

describe('versioned-set', () => {
  it('the compare-and-set refuses an older version, and a tombstone refuses fills below it', async () => {
    const key = nextKey++;
    assert.equal(await versionedSet(redis, key, 5, bytes('five'), 0), true);
    assert.equal(await versionedSet(redis, key, 3, bytes('three'), 0), false);
    assert.equal(await versionedSet(redis, key, 5, bytes('five again'), 0), false);
    assert.deepEqual(await readCacheVersions(redis, [key]), [5]);
    assert.equal(await versionedDelete(redis, key, 7, 10_000), true);
    assert.deepEqual(await readCacheVersions(redis, [key]), [0]);
    assert.equal(await versionedSet(redis, key, 6, bytes('six'), 0), false, 'below the tombstone');
    assert.equal(await versionedSet(redis, key, 7, bytes('seven'), 0), true, 'at the tombstone');
    assert.deepEqual(await readCacheVersions(redis, [key]), [7]);
  });
});

describe('lease', () => {
  it('a fill whose lease a write cleared is refused', async () => {
    const key = nextKey++;
    const pause = new PauseController();
    const strategy = await open('lease', {}, pause);
    try {
      await strategy.write(key, bytes('v1'));
      const hold = pause.holdNext('before-cache-set', { key, opId: 7 });
      const reading = strategy.read(key, 7);
      await hold.reached;
      await strategy.write(key, bytes('v2'));
      hold.release();
      const seen = await reading;
      assert.ok(seen.found && seen.version === 1, 'the read itself returns what it read');
      assert.deepEqual(await readCacheVersions(redis, [key]), [0], 'the v1 fill was not stored');
      assert.equal(strategy.stats().counters?.leaseFillsRefused, 1);
      const fresh = await strategy.read(key);
      assert.ok(fresh.found && fresh.version === 2);
    } finally {
      await strategy.close();
    }
  });

  it('N concurrent misses of a hot key cost one MySQL read; the others wait for the fill', async () => {
    const key = nextKey++;
    const readers = 20;
    const pause = new PauseController();
    const strategy = await open('lease', { leaseWaitMs: 3000 }, pause);
    try {
      await strategy.write(key, bytes('hot'));
      const hold = pause.holdNext('after-cache-miss', { key });
      const before = strategy.stats().dbQueries;
      const reads = Array.from({ length: readers }, (_, i) => strategy.read(key, 100 + i));
      await hold.reached;
      await waitFor('every other reader finding the lease taken', () => {
        return (strategy.stats().counters?.leaseWaiters ?? 0) === readers - 1;
      });
      hold.release();
      const results = await Promise.all(reads);
      assert.ok(results.every((result) => result.found && result.version === 1));
      assert.equal(strategy.stats().dbQueries - before, 1);
      assert.equal(strategy.stats().counters?.leaseWaitHits, readers - 1);
    } finally {
      await strategy.close();
    }
  });
});

describe('single-flight', () => {
  it('N concurrent misses in one process issue one MySQL read', async () => {
    const key = nextKey++;
    const readers = 10;
    const pause = new PauseController();
    const strategy = await open('cache-aside', { singleFlight: true }, pause);
    try {
      await strategy.write(key, bytes('one'));
      const hold = pause.holdNext('after-cache-miss', { key, opId: 1 });
      const before = strategy.stats().dbQueries;
      const first = strategy.read(key, 1);
      await hold.reached;
      const others = Array.from({ length: readers - 1 }, (_, i) => strategy.read(key, 2 + i));
      await waitFor('every other miss joining the flight', () => {
        return (strategy.stats().counters?.singleFlightJoined ?? 0) === readers - 1;
      });
      hold.release();
      const results = await Promise.all([first, ...others]);
      assert.ok(results.every((result) => result.found && result.version === 1));
      assert.equal(strategy.stats().dbQueries - before, 1);
      assert.equal(strategy.describe().options.singleFlight, true);
    } finally {
      await strategy.close();
    }
  });
});

describe('tag-as-deleted', () => {
  it('weak mode returns the old value after a write, then the refilled one', async () => {
    const key = nextKey++;
    const strategy = await open('tag-as-deleted', { consistency: 'weak' });
    try {
      await strategy.write(key, bytes('v1'));
      await strategy.read(key);
      await strategy.write(key, bytes('v2'));
      const old = await strategy.read(key);
      assert.ok(old.found && old.version === 1, 'rockscache #12: the old value');
      await strategy.drain?.();
      const refilled = await strategy.read(key);
      assert.ok(refilled.found && refilled.version === 2);
      assert.equal(strategy.stats().counters?.oldValueReturned, 1);
    } finally {
      await strategy.close();
    }
  });

  it('strong mode waits for the lock owner and returns the new value', async () => {
    const key = nextKey++;
    const pause = new PauseController();
    const strategy = await open('tag-as-deleted', { consistency: 'strong', lockSleepMs: 10 }, pause);
    try {
      await strategy.write(key, bytes('v1'));
      await strategy.read(key);
      await strategy.write(key, bytes('v2'));
      const hold = pause.holdNext('after-db-read', { key, opId: 1 });
      const owner = strategy.read(key, 1);
      await hold.reached;
      const waiter = strategy.read(key, 2);
      await waitFor('the second reader waiting', () => (strategy.stats().counters?.lockWaits ?? 0) > 0);
      hold.release();
      const [ownerSaw, waiterSaw] = await Promise.all([owner, waiter]);
      assert.ok(ownerSaw.found && ownerSaw.version === 2);
      assert.ok(waiterSaw.found && waiterSaw.version === 2, 'the waiter got the refilled v2, not v1');
    } finally {
      await strategy.close();
    }
  });

  it('the snapshot view: a marked entry is no entry in strong mode, the old value in weak mode', async () => {
    const entry = findStrategy('tag-as-deleted');
    for (const consistency of ['strong', 'weak'] as const) {
      const key = nextKey++;
      const strategy = await open('tag-as-deleted', { consistency });
      try {
        await strategy.write(key, bytes('v1'));
        await strategy.read(key);
        const view = cacheViewOf(entry, { consistency });
        assert.deepEqual(await view(redis, [key]), [1], `${consistency}: a refilled entry is served`);
        await strategy.write(key, bytes('v2'));
        assert.deepEqual(await readCacheVersions(redis, [key]), [1], 'v1 lingers in Redis, marked');
        assert.deepEqual(await view(redis, [key, key + 100_000]), [consistency === 'strong' ? 0 : 1, 0]);
        await strategy.read(key);
        await strategy.drain?.();
        assert.deepEqual(await view(redis, [key]), [2], `${consistency}: refilled after the read`);
      } finally {
        await strategy.close();
      }
    }
    assert.equal(cacheViewOf(findStrategy('cache-aside'), {}), readCacheVersions);
  });
});

describe('cdc-invalidate', () => {
  it('deletes the entry of every committed row, whoever committed it', async () => {
    const keys = [nextKey++, nextKey++, nextKey++, nextKey++];
    const strategy = await open('cdc-invalidate', {
      cdcAction: 'delete',
      cdcPositionFile: join(scratchDir, 'delete.json'),
    });
    try {
      for (const key of keys) await writeRow(key, 'v1');
      await strategy.drain?.();
      for (const key of keys) await strategy.read(key);
      assert.deepEqual(await readCacheVersions(redis, keys), [1, 1, 1, 1]);
      for (const key of keys) await writeRow(key, 'v2');
      await strategy.drain?.();
      assert.deepEqual(await readCacheVersions(redis, keys), [0, 0, 0, 0]);
      const counters = strategy.stats().counters ?? {};
      assert.ok((counters.cdcRowsApplied ?? 0) >= 8);
      assert.ok((counters.cdcLagMaxMs ?? -1) >= 0);
    } finally {
      await strategy.close();
    }
  });

  it('after a restart resumes from its saved position: a change made while it was down is applied', async () => {
    const key = nextKey++;
    const positionFile = join(scratchDir, 'resume.json');
    const first = await open('cdc-invalidate', { cdcPositionFile: positionFile });
    await first.write(key, bytes('v1'));
    await first.drain?.();
    await first.close();
    // While no invalidator runs: a commit, and the cache still holding the old v1.
    await writeRow(key, 'v2');
    await redis.set(cacheKey(key), encodeEntry(1, bytes('v1')));
    const second = await open('cdc-invalidate', { cdcPositionFile: positionFile });
    try {
      assert.equal(second.describe().options.cdcStartedFrom, 'saved position');
      await second.drain?.();
      const [dbVersion] = await readDbVersions(pool, [key]);
      assert.equal(dbVersion, 2);
      assert.deepEqual(await readCacheVersions(redis, [key]), [2], 'the invalidator set v2 from the binlog');
      const seen = await second.read(key);
      assert.ok(seen.found && seen.version === 2);
    } finally {
      await second.close();
    }
  });
});
