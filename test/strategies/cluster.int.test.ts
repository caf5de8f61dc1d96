import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Pool } from 'mysql2/promise';
import { type DirectConnections, openDirect } from '../../bench/run/direct.ts';
import { startLocalEnvironment } from '../../services/local.ts';
import type { Environment } from '../../services/types.ts';
import { connectMysql } from '../../strategies/clients.ts';
import { readDbVersions } from '../../strategies/db-access.ts';
import { defaultStrategyContext } from '../../strategies/defaults.ts';
import { flushEveryMaster, isCluster, mastersOf } from '../../strategies/redis-client.ts';
import { strategyEntries } from '../../strategies/registry.ts';

/** Keys spread over the slots of all three masters. */
const KEYS = [11, 12, 13, 14, 15, 16];

/**
 * Every registered strategy on the Redis Cluster, through the proxies: its multi-key scripts
 * (leases, tombstones, tag-as-deleted's locks, write-behind's enqueue) run with hash-tagged
 * keys on one slot each, or Redis would refuse them with CROSSSLOT.
 */
describe('every strategy on a Redis Cluster (three masters, one replica each)', () => {
  let env: Environment;
  let direct: DirectConnections;
  let pool: Pool;

  before(async () => {
    env = await startLocalEnvironment({ cacheTopology: 'cluster' });
    direct = await openDirect(env.endpoints);
    pool = await connectMysql(defaultStrategyContext(env.endpoints, { viaProxy: false }));
  });

  after(async () => {
    await direct?.close();
    await pool?.end();
    await env?.stop();
  });

  for (const { name, factory, readsOwnWrites } of strategyEntries) {
    it(`${name}: reads absent, then the latest write of keys on every master; MySQL has it after drain`, async () => {
      assert.ok(isCluster(direct.redis));
      await pool.query('DELETE FROM items WHERE id IN (?)', [KEYS]);
      await flushEveryMaster(direct.redis);
      const strategy = await factory(defaultStrategyContext(env.endpoints, { flushIntervalMs: 20 }));
      try {
        await strategy.start?.();
        const last = new Map<number, number>();
        for (const key of KEYS) {
          assert.equal((await strategy.read(key)).found, false);
          for (let i = 1; i <= 2; i++)
            last.set(key, (await strategy.write(key, new Uint8Array([i]))).version);
          if (readsOwnWrites === false) await strategy.drain?.();
          for (let read = 0; read < 2; read++) {
            const seen = await strategy.read(key);
            assert.ok(seen.found, `${name}: key ${key} found`);
            assert.equal(seen.version, last.get(key), `${name}: key ${key}`);
          }
        }
        await strategy.drain?.();
        assert.deepEqual(await readDbVersions(pool, KEYS), [...last.values()]);
        // A read after the drain fills the cache of every cache pattern (delayed-double-delete's
        // second delete emptied it); the keys sit on all three masters.
        for (const key of KEYS) assert.equal((await strategy.read(key)).found, true);
        await strategy.drain?.();
        const perMaster = await Promise.all(mastersOf(direct.redis).map((master) => master.dbsize()));
        assert.equal(perMaster.length, 3);
        if (name === 'db-only') assert.deepEqual(perMaster, [0, 0, 0]);
        else
          assert.ok(
            perMaster.every((keys) => keys > 0),
            `${name}: keys per master ${perMaster}`,
          );
      } finally {
        await strategy.close();
      }
    });
  }
});
