import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from 'mysql2/promise';
import { faultContext, residualFaults } from '../../chaos/residual.ts';
import type { FaultContext } from '../../chaos/types.ts';
import { startLocalEnvironment } from '../../services/local.ts';
import type { Environment } from '../../services/types.ts';
import { comparePositions, readSavedPosition } from '../../strategies/binlog-invalidator.ts';
import { readCacheVersions } from '../../strategies/cache-codec.ts';
import { connectMysql, connectRedis } from '../../strategies/clients.ts';
import { defaultStrategyContext } from '../../strategies/defaults.ts';
import type { RedisClient } from '../../strategies/redis-client.ts';
import { findStrategy } from '../../strategies/registry.ts';
import type { CacheStrategy, InvalidatorControl } from '../../strategies/types.ts';
import { buildFault } from './clients.ts';

let env: Environment;
let redis: RedisClient;
let pool: Pool;
let scratchDir: string;
let nextKey = 7000;

const bytes = (text: string) => new TextEncoder().encode(text);

before(async () => {
  env = await startLocalEnvironment({ redisPersistence: 'none' });
  const direct = defaultStrategyContext(env.endpoints, { viaProxy: false });
  redis = await connectRedis(direct);
  pool = await connectMysql(direct);
  scratchDir = await mkdtemp(join(tmpdir(), 'cacheproof-invalidator-faults-'));
});

after(async () => {
  redis?.disconnect();
  await pool?.end();
  await env?.stop();
  if (scratchDir !== undefined) await rm(scratchDir, { recursive: true, force: true });
});

/** A started cdc-invalidate that deletes (so "invalidated" is "the entry is gone"), with its own position file. */
async function openCdc(positionFile: string): Promise<CacheStrategy & { invalidator: InvalidatorControl }> {
  const entry = findStrategy('cdc-invalidate');
  assert.ok(entry);
  const strategy = await entry.factory(
    defaultStrategyContext(env.endpoints, {
      strategyOptions: { cdcAction: 'delete', cdcPositionFile: positionFile },
    }),
  );
  await strategy.start?.();
  const invalidator = strategy.invalidator;
  assert.ok(invalidator, 'cdc-invalidate exposes its invalidator');
  return Object.assign(strategy, { invalidator });
}

/** Writes v1 of each key, waits for the invalidator, and fills the cache with v1. */
async function cached(strategy: CacheStrategy, keys: readonly number[]): Promise<void> {
  for (const key of keys) await strategy.write(key, bytes('v1'));
  await strategy.drain?.();
  for (const key of keys) await strategy.read(key);
  assert.deepEqual(
    await readCacheVersions(redis, keys),
    keys.map(() => 1),
  );
}

/** Waits (≤ `timeoutMs`) until no key has a cache entry: every committed change was invalidated. */
async function waitUntilInvalidated(keys: readonly number[], timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const versions = await readCacheVersions(redis, keys);
    if (versions.every((version) => version === 0)) return;
    if (performance.now() > deadline)
      assert.fail(`entries not invalidated within ${timeoutMs} ms: ${JSON.stringify(versions)}`);
    await sleep(20);
  }
}

async function waitForCounter(strategy: CacheStrategy, name: string, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while ((strategy.stats().counters?.[name] ?? 0) === 0) {
    if (performance.now() > deadline) assert.fail(`${name} stayed 0 for ${timeoutMs} ms`);
    await sleep(10);
  }
}

const keysOf = (count: number) => Array.from({ length: count }, () => nextKey++);

/** Plays one fault window: rows committed while it holds (through the application's links), then the heal. */
async function commitDuringFault(
  strategy: CacheStrategy & { invalidator: InvalidatorControl },
  ctx: FaultContext,
  kind: string,
  params: Record<string, unknown>,
  keys: readonly number[],
  whileActive: () => Promise<void> = async () => undefined,
): Promise<void> {
  const fault = buildFault(kind, 'invalidator', params);
  await fault.start(ctx);
  try {
    // The application's own links are untouched: its writes commit and its reads are served.
    for (const key of keys) assert.equal((await strategy.write(key, bytes('v2'))).version, 2);
    for (const key of keys) assert.equal((await strategy.read(key)).found, true);
    await whileActive();
    assert.deepEqual(
      await readCacheVersions(redis, keys),
      keys.map(() => 1),
      'while the invalidator is cut off, the v1 entries stay',
    );
  } finally {
    await fault.heal(ctx);
  }
  await waitUntilInvalidated(keys);
  assert.deepEqual(await residualFaults(env, undefined, [strategy.invalidator]), []);
}

describe('invalidator faults', () => {
  it('invalidator-partition on its MySQL link: nothing committed meanwhile is missed after the heal', async () => {
    const strategy = await openCdc(join(scratchDir, 'partition-mysql.json'));
    try {
      const ctx = faultContext(env, undefined, [strategy.invalidator]);
      const keys = keysOf(6);
      await cached(strategy, keys);
      // The binlog stream hangs; the commits are in the binlog, waiting.
      await commitDuringFault(strategy, ctx, 'invalidator-partition', { link: 'mysql' }, keys, () =>
        sleep(300),
      );
      assert.ok(
        (strategy.stats().counters?.cdcReconnects ?? 0) >= 1,
        'the stream reconnected after the heal',
      );
    } finally {
      await strategy.close();
    }
  });

  it('invalidator-partition on its Redis link: it keeps retrying each delete in order until the link is back', async () => {
    const strategy = await openCdc(join(scratchDir, 'partition-redis.json'));
    try {
      const ctx = faultContext(env, undefined, [strategy.invalidator]);
      const keys = keysOf(6);
      await cached(strategy, keys);
      await commitDuringFault(
        strategy,
        ctx,
        'invalidator-partition',
        { link: 'redis', mode: 'disable' },
        keys,
        () => waitForCounter(strategy, 'cdcApplyRetries'),
      );
    } finally {
      await strategy.close();
    }
  });

  it('invalidator-crash: rows committed while it is down are invalidated after its restart', async () => {
    const positionFile = join(scratchDir, 'crash.json');
    const strategy = await openCdc(positionFile);
    try {
      const ctx = faultContext(env, undefined, [strategy.invalidator]);
      const keys = keysOf(6);
      await cached(strategy, keys);
      await commitDuringFault(strategy, ctx, 'invalidator-crash', {}, keys, async () => {
        assert.equal(strategy.invalidator.crashed, true);
        assert.deepEqual(await residualFaults(env, undefined, [strategy.invalidator]), [
          'the CDC invalidator is crashed (not restarted)',
        ]);
      });
      const counters = strategy.stats().counters ?? {};
      assert.equal(counters.cdcCrashes, 1);
      assert.equal(counters.cdcRestarts, 1);
      assert.equal(strategy.describe().options.cdcStartedFrom, 'saved position');
    } finally {
      await strategy.close();
    }
  });

  it('resumes at the position saved before the crash, and misses nothing committed after it', async () => {
    const positionFile = join(scratchDir, 'resume.json');
    const strategy = await openCdc(positionFile);
    try {
      const before = keysOf(3);
      await cached(strategy, before);
      // drain() saved the position after everything so far.
      const saved = await readSavedPosition(positionFile);
      assert.ok(saved !== undefined);
      await strategy.invalidator.crash();
      const afterCrash = keysOf(4);
      for (const key of afterCrash) await strategy.write(key, bytes('v1'));
      for (const key of afterCrash) await strategy.read(key);
      for (const key of afterCrash) await strategy.write(key, bytes('v2'));
      assert.deepEqual(await readCacheVersions(redis, afterCrash), [1, 1, 1, 1], 'nobody invalidated them');
      assert.deepEqual(await readSavedPosition(positionFile), saved, 'a crashed invalidator saves nothing');
      await strategy.invalidator.restart();
      assert.deepEqual(strategy.invalidator.resumedFrom, saved, 'it started from the saved position');
      await strategy.drain?.();
      await waitUntilInvalidated(afterCrash);
      const now = await readSavedPosition(positionFile);
      assert.ok(now !== undefined && comparePositions(now, saved) > 0, 'the position moved on and was saved');
    } finally {
      await strategy.close();
    }
  });
});
