import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { faultContext, residualFaults } from '../../chaos/index.ts';
import { startLocalEnvironment } from '../../services/local.ts';
import { pidExists } from '../../services/processes.ts';
import { CLUSTER_NODES } from '../../services/redis-cluster.ts';
import type { Environment, RedisClusterNode } from '../../services/types.ts';
import { closeRedis, connectRedis } from '../../strategies/clients.ts';
import { defaultStrategyContext } from '../../strategies/defaults.ts';
import {
  HASH_SLOTS,
  isCluster,
  keySlot,
  mastersOf,
  type RedisClient,
  tagOfSlot,
} from '../../strategies/redis-client.ts';
import { timed } from '../chaos/clients.ts';

const LATENCY_MS = 400;

/** A plain connection to one node (no redirection followed), for what that node itself says. */
async function nodeConnection(node: RedisClusterNode['direct']): Promise<Redis> {
  const redis = new Redis({ ...node, lazyConnect: true, maxRetriesPerRequest: 0 });
  redis.on('error', () => undefined);
  await redis.connect();
  return redis;
}

/** The index of the node serving `slot` as a master, from CLUSTER SLOTS (announced = proxied addresses). */
async function masterOfSlot(env: Environment, slot: number): Promise<number> {
  const nodes = env.endpoints.redis.cluster?.nodes ?? [];
  const admin = await nodeConnection((nodes[0] as RedisClusterNode).direct);
  try {
    const ranges = (await admin.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
    const range = ranges.find(([first, last]) => slot >= first && slot <= last);
    assert.ok(range, `slot ${slot} is served`);
    const [host, port] = range[2];
    const index = nodes.findIndex((node) => node.proxied.host === host && node.proxied.port === port);
    assert.ok(index >= 0, `the master of slot ${slot} announces a proxy address (${host}:${port})`);
    return index;
  } finally {
    admin.disconnect();
  }
}

describe('Redis Cluster in the local environment (real redis-server nodes behind Toxiproxy)', () => {
  let env: Environment;
  let redis: RedisClient;
  let pids: number[] = [];

  before(async () => {
    env = await startLocalEnvironment({ cacheTopology: 'cluster' });
    pids = Object.values(env.processes?.pids() ?? {}).filter((pid): pid is number => pid !== undefined);
    // A strategy's client through the proxies, with room for 16384 commands on a busy machine.
    redis = await connectRedis(
      defaultStrategyContext(env.endpoints, { clients: { redisCommandTimeoutMs: 30_000 } }),
    );
  });

  after(async () => {
    if (redis !== undefined) await closeRedis(redis);
    await env?.stop();
  });

  it('answers on every one of the 16384 slots, through the proxies', async () => {
    assert.equal(env.topology.cache, 'cluster');
    assert.ok(isCluster(redis));
    assert.equal(env.endpoints.redis.cluster?.nodes.length, CLUSTER_NODES);
    const roles = (await env.cluster?.roles()) ?? [];
    assert.equal(roles.filter((node) => node.role === 'master').length, 3);
    assert.equal(roles.filter((node) => node.role === 'replica' && node.linkUp).length, 3);
    const slots = Array.from({ length: HASH_SLOTS }, (_, slot) => slot);
    const values: (string | null)[] = [];
    for (let first = 0; first < HASH_SLOTS; first += 1024) {
      const batch = slots.slice(first, first + 1024);
      await Promise.all(batch.map((slot) => redis.set(`probe:{${tagOfSlot(slot)}}`, String(slot))));
      values.push(...(await Promise.all(batch.map((slot) => redis.get(`probe:{${tagOfSlot(slot)}}`)))));
    }
    assert.deepEqual(values, slots.map(String));
    // The harness's CRC16 is the server's.
    const first = env.endpoints.redis.cluster?.nodes[0];
    assert.ok(first);
    const admin = await nodeConnection(first.direct);
    try {
      for (const key of ['item:{42}', 'wb:queue:{7}', 'somekey']) {
        assert.equal(await admin.call('CLUSTER', 'KEYSLOT', key), keySlot(key));
      }
    } finally {
      admin.disconnect();
    }
    let keys = 0;
    for (const master of mastersOf(redis)) keys += await master.dbsize();
    assert.equal(keys, HASH_SLOTS, 'the masters together hold every key');
    assert.deepEqual(await residualFaults(env), []);
  });

  it("redirects to proxy addresses: MOVED names a proxy, and a latency toxic on that proxy slows its slots' commands", async () => {
    const nodes = env.endpoints.redis.cluster?.nodes ?? [];
    const proxies = env.endpoints.toxiproxy.proxies.redisNodes ?? [];
    const key = 'item:{1}';
    const owner = await masterOfSlot(env, keySlot(key));
    // A key whose slot another master serves.
    let otherKey = '';
    for (let id = 2; otherKey === ''; id++) {
      if ((await masterOfSlot(env, keySlot(`item:{${id}}`))) !== owner) otherKey = `item:{${id}}`;
    }
    const stranger = await nodeConnection(
      (nodes[(await masterOfSlot(env, keySlot(otherKey))) as number] as RedisClusterNode).direct,
    );
    try {
      const moved = await stranger.get(key).then(
        () => assert.fail('a node that does not serve the slot answers MOVED'),
        (error: Error) => error.message,
      );
      const target = nodes[owner] as RedisClusterNode;
      assert.equal(moved, `MOVED ${keySlot(key)} ${target.proxied.host}:${target.proxied.port}`);
    } finally {
      stranger.disconnect();
    }
    const { toxiproxy } = faultContext(env);
    const proxy = await toxiproxy.get(proxies[owner] as string);
    await proxy.addToxic({
      name: 'cacheproof-cluster-latency',
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
      attributes: { latency: LATENCY_MS, jitter: 0 },
    });
    try {
      // The client learnt the slot's master from CLUSTER SLOTS: its proxy, which now delays.
      assert.ok(
        (await timed(() => redis.get(key))) >= LATENCY_MS * 0.9,
        'a command for its slot crosses its proxy',
      );
      assert.match((await residualFaults(env)).join('; '), new RegExp(`proxy ${proxy.name}`));
    } finally {
      await toxiproxy
        .getApi()
        .delete(`${toxiproxy.host}/proxies/${proxy.name}/toxics/cacheproof-cluster-latency`);
    }
    assert.deepEqual(await residualFaults(env), []);
  });

  it('stop() ends every process: six nodes, MariaDB, Toxiproxy', async () => {
    assert.equal(pids.length, CLUSTER_NODES + 2, JSON.stringify(env.processes?.pids()));
    for (const pid of pids) assert.equal(pidExists(pid), true);
    await closeRedis(redis);
    await env.stop();
    for (const pid of pids) assert.equal(pidExists(pid), false, `PID ${pid} still exists after stop()`);
  });
});

describe('a killed harness with a Redis Cluster', () => {
  it("leaves no node: the watchdog's PID list has every one", async () => {
    const local = fileURLToPath(new URL('../../services/local.ts', import.meta.url));
    const source = `import { startLocalEnvironment } from ${JSON.stringify(local)};
const env = await startLocalEnvironment({ cacheTopology: 'cluster' });
console.log(JSON.stringify(env.processes.pids()));
setInterval(() => {}, 1000);`;
    const harness = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', source], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      let output = '';
      harness.stdout.on('data', (chunk) => {
        output += String(chunk);
      });
      let exited: number | null | undefined;
      harness.on('exit', (code) => {
        exited = code;
      });
      const deadline = Date.now() + 90_000;
      while (!output.includes('\n') && exited === undefined && Date.now() < deadline) await sleep(100);
      assert.ok(
        output.includes('\n'),
        `the harness printed no PID list (exit code ${exited}; its error is above)`,
      );
      const servers = Object.values(JSON.parse(output) as Record<string, number | undefined>).filter(
        (pid): pid is number => pid !== undefined,
      );
      assert.equal(servers.length, CLUSTER_NODES + 2, output);
      harness.kill('SIGKILL');
      const gone = Date.now() + 20_000;
      while (servers.some(pidExists) && Date.now() < gone) await sleep(100);
      assert.deepEqual(
        servers.filter(pidExists),
        [],
        'the watchdog killed every server of the killed harness',
      );
    } finally {
      harness.kill('SIGKILL');
    }
  });
});
