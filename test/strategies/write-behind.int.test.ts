import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { startLocalEnvironment } from '../../services/local.ts';
import type { Environment, ProcessControl } from '../../services/types.ts';
import { closeRedis, connectMysql, connectRedis, StatsCounter } from '../../strategies/clients.ts';
import { readDbVersions, writeGuardedBatch } from '../../strategies/db-access.ts';
import { defaultStrategyContext, type StrategyContextOverrides } from '../../strategies/defaults.ts';
import {
  createWriteBehind,
  WRITE_BEHIND_QUEUE,
  type WriteBehindStrategy,
} from '../../strategies/patterns/write-behind.ts';
import type { RedisClient } from '../../strategies/redis-client.ts';
import { createStepRecorder } from '../../strategies/step-recorder.ts';

let env: Environment;
let processes: ProcessControl;
let redis: RedisClient;
let pool: Pool;
let nextKey = 1;

const bytes = (value: string): Uint8Array => new TextEncoder().encode(value);

before(async () => {
  env = await startLocalEnvironment({ redisPersistence: 'none' });
  assert.ok(env.processes);
  processes = env.processes;
  const direct = defaultStrategyContext(env.endpoints, { viaProxy: false });
  redis = await connectRedis(direct);
  pool = await connectMysql(direct);
});

after(async () => {
  if (redis !== undefined) await closeRedis(redis);
  await pool?.end();
  await env?.stop();
});

async function withWriteBehind<T>(
  run: (strategy: WriteBehindStrategy) => Promise<T>,
  overrides: StrategyContextOverrides = {},
): Promise<T> {
  const strategy = await createWriteBehind(
    defaultStrategyContext(env.endpoints, { flushIntervalMs: 20, ...overrides }),
  );
  try {
    return await run(strategy);
  } finally {
    await strategy.close();
  }
}

async function dbRow(key: number): Promise<{ version: number; payload: string } | undefined> {
  const [rows] = await pool.query<RowDataPacket[]>('SELECT version, payload FROM items WHERE id = ?', [key]);
  const row = rows[0];
  return row === undefined
    ? undefined
    : { version: Number(row.version), payload: (row.payload as Buffer).toString() };
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`${what} not seen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Writes `count` versions of `key` (payload `{tag}-{i}`) and returns the acknowledged versions. */
async function writeSeries(
  strategy: WriteBehindStrategy,
  key: number,
  count: number,
  tag: string,
): Promise<number[]> {
  const versions: number[] = [];
  for (let i = 1; i <= count; i++) versions.push((await strategy.write(key, bytes(`${tag}-${i}`))).version);
  return versions;
}

describe('write-behind flusher', () => {
  it('persists every queued write, in several batches, and empties the queue', async () => {
    const keys = Array.from({ length: 30 }, () => nextKey++);
    const recorder = createStepRecorder(keys);
    await withWriteBehind(
      async (strategy) => {
        const last = new Map<number, number>();
        for (let round = 1; round <= 10; round++) {
          for (const key of keys)
            last.set(key, (await strategy.write(key, bytes(`${key}@${round}`))).version);
        }
        await strategy.start();
        await strategy.drain();
        assert.equal(await redis.xlen(WRITE_BEHIND_QUEUE), 0);
        assert.deepEqual(
          await readDbVersions(pool, keys),
          keys.map((key) => last.get(key)),
        );
        for (const key of keys) assert.equal((await dbRow(key))?.payload, `${key}@10`);
        assert.ok(strategy.flushState().flushes >= 2, 'needed more than one batch');
        assert.equal(strategy.flushState().flushFailures, 0);
      },
      { flushBatchSize: 50, tracer: recorder },
    );
    const flushed = recorder.events.filter((event) => event.step === 'flush');
    for (const key of keys) {
      const versions = flushed.filter((event) => event.key === key).map((event) => event.version);
      assert.deepEqual(
        versions,
        [...versions].sort((a, b) => a - b),
        `flush order of key ${key}`,
      );
    }
  });

  it('retries a batch MySQL rejected (table missing) without losing or reordering writes', async () => {
    const key = nextKey++;
    let renamed = false;
    try {
      await withWriteBehind(async (strategy) => {
        const acked = await writeSeries(strategy, key, 5, 'rejected');
        await pool.query('RENAME TABLE items TO items_away');
        renamed = true;
        await strategy.start();
        await waitFor(() => strategy.flushState().flushFailures >= 2, 'two failed flushes');
        assert.match(strategy.flushState().lastFlushError ?? '', /items/);
        assert.equal(await redis.xlen(WRITE_BEHIND_QUEUE), 5, 'the failed batch stays queued');
        await assert.rejects(strategy.drain(200), /not empty after 200 ms; last flush error: .*items/);
        await pool.query('RENAME TABLE items_away TO items');
        renamed = false;
        await strategy.drain();
        assert.deepEqual(await dbRow(key), { version: acked[4], payload: 'rejected-5' });
        assert.equal(await redis.xlen(WRITE_BEHIND_QUEUE), 0);
      });
    } finally {
      if (renamed) await pool.query('RENAME TABLE items_away TO items');
    }
  });

  it('retries after MySQL stops answering (SIGSTOP) and the flush times out', async () => {
    const key = nextKey++;
    await withWriteBehind(
      async (strategy) => {
        await strategy.start();
        await writeSeries(strategy, key, 2, 'before');
        await strategy.drain();
        await processes.pauseMysql();
        let acked: number[];
        try {
          acked = await writeSeries(strategy, key, 3, 'paused');
          await waitFor(() => strategy.flushState().flushFailures >= 1, 'a timed-out flush');
          assert.match(strategy.flushState().lastFlushError ?? '', /timeout/i);
        } finally {
          await processes.resumeMysql();
        }
        await strategy.drain();
        assert.deepEqual(await dbRow(key), { version: acked[2], payload: 'paused-3' });
      },
      { clients: { mysqlQueryTimeoutMs: 300 } },
    );
  });

  it('version guard: a replayed older write never moves a row back', async () => {
    const key = nextKey++;
    await withWriteBehind(async (strategy) => {
      await strategy.start();
      const acked = await writeSeries(strategy, key, 3, 'fresh');
      await strategy.drain();
      // A replay, as after an XDEL that failed: the old entry comes through the queue again.
      await redis.xadd(
        WRITE_BEHIND_QUEUE,
        '*',
        'id',
        String(key),
        'version',
        String(acked[0]),
        'payload',
        'replayed',
      );
      await strategy.drain();
      assert.deepEqual(await dbRow(key), { version: acked[2], payload: 'fresh-3' });
    });
    await writeGuardedBatch({ pool, queryTimeoutMs: 2000, counter: new StatsCounter() }, [
      { id: key, version: 1, payload: bytes('older') },
      { id: key, version: 2, payload: bytes('old') },
    ]);
    assert.deepEqual(await dbRow(key), { version: 3, payload: 'fresh-3' });
  });
});

describe('write-behind after a Redis crash', () => {
  it('loses the unflushed writes, and new versions stay above every acknowledged one', async () => {
    const flushedKey = nextKey++;
    const queuedKey = nextKey++;
    await withWriteBehind(async (strategy) => {
      await strategy.start();
      assert.deepEqual(await writeSeries(strategy, flushedKey, 2, 'flushed'), [1, 2]);
      await strategy.drain();
    });
    await withWriteBehind(async (strategy) => {
      const queued = await writeSeries(strategy, queuedKey, 3, 'queued');
      assert.deepEqual(queued, [1, 2, 3]);
      await processes.crashRedis();
      await processes.restartRedis();
      await waitFor(() => redis.status === 'ready', 'the test connection back');
      assert.equal(await redis.xlen(WRITE_BEHIND_QUEUE), 0, 'the queue died with Redis');
      assert.equal(await dbRow(queuedKey), undefined, 'the queued writes never reached MySQL');
      // The restarted Redis has no counters: MySQL seeds flushedKey, this process's high-water mark queuedKey.
      const afterCrash = await retryUntilReconnected(() => strategy.write(queuedKey, bytes('after')));
      assert.equal(afterCrash.version, 4);
      assert.equal((await strategy.write(flushedKey, bytes('after'))).version, 3);
      await strategy.start();
      await strategy.drain();
      assert.deepEqual(await dbRow(queuedKey), { version: 4, payload: 'after' });
      assert.deepEqual(await dbRow(flushedKey), { version: 3, payload: 'after' });
    });
  });
});

async function retryUntilReconnected<T>(operation: () => Promise<T>): Promise<T> {
  const deadline = performance.now() + 5000;
  for (;;) {
    try {
      return await operation();
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
