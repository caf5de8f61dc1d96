import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import { Toxiproxy } from 'toxiproxy-node-client';
import { startLocalEnvironment } from '../../services/local.ts';
import { pidExists } from '../../services/processes.ts';
import type { Environment, HostPort } from '../../services/types.ts';

function redisClient(address: HostPort): Redis {
  const client = new Redis({
    host: address.host,
    port: address.port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    commandTimeout: 1000,
    connectTimeout: 1000,
    retryStrategy: () => null,
  });
  // Failures are what some tests expect; they surface through the rejected command.
  client.on('error', () => undefined);
  return client;
}

async function pingRoundTripMs(address: HostPort): Promise<number> {
  const client = redisClient(address);
  try {
    await client.connect();
    const started = performance.now();
    await client.ping();
    return performance.now() - started;
  } finally {
    client.disconnect();
  }
}

async function pingSucceeds(address: HostPort): Promise<boolean> {
  try {
    await pingRoundTripMs(address);
    return true;
  } catch {
    return false;
  }
}

describe('local environment (real Redis, MariaDB, Toxiproxy)', () => {
  let env: Environment;
  before(async () => {
    env = await startLocalEnvironment();
  });
  after(async () => {
    await env?.stop();
  });

  it('serves Redis PING through the proxy and directly', async () => {
    assert.equal(await pingSucceeds(env.endpoints.redis.proxied), true);
    assert.equal(await pingSucceeds(env.endpoints.redis.direct), true);
  });

  it('serves MariaDB through the proxy with the items table', async () => {
    const { proxied, user, password, database } = env.endpoints.mysql;
    const connection = await mysql.createConnection({ ...proxied, user, password, database });
    try {
      const [columns] = await connection.query('SHOW COLUMNS FROM items');
      const names = (columns as Array<{ Field: string }>).map((column) => column.Field);
      assert.deepEqual(names, ['id', 'version', 'payload', 'updated_at']);
    } finally {
      await connection.end();
    }
  });

  it('a 100 ms latency toxic on the Redis proxy raises a PING round trip by at least 100 ms', async () => {
    const toxiproxy = new Toxiproxy(env.endpoints.toxiproxy.url);
    const proxy = await toxiproxy.get(env.endpoints.toxiproxy.proxies.redis);
    // The fastest of a few round trips: one sample on a busy machine may be slowed by anything.
    const baselines: number[] = [];
    for (let i = 0; i < 5; i++) baselines.push(await pingRoundTripMs(env.endpoints.redis.proxied));
    const baseline = Math.min(...baselines);
    const toxic = await proxy.addToxic({
      name: 'test-latency',
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
      attributes: { latency: 100, jitter: 0 },
    });
    const slowed = await pingRoundTripMs(env.endpoints.redis.proxied);
    await toxic.remove();
    // The toxic alone holds the answer 100 ms (1 ms of timer slack); the round trip's own part
    // may be a little under the fastest baseline, hence 10 ms of margin there.
    assert.ok(
      slowed >= 99 && slowed >= baseline + 90,
      `PING took ${slowed} ms with the toxic, ${baseline} ms without`,
    );
    // Restored: a round trip under the toxic's 100 ms again, waited for (bounded).
    const deadline = Date.now() + 5000;
    let restored = await pingRoundTripMs(env.endpoints.redis.proxied);
    while (restored >= 100 && Date.now() < deadline)
      restored = await pingRoundTripMs(env.endpoints.redis.proxied);
    assert.ok(restored < 100, `PING took ${restored} ms after removing the toxic`);
  });

  it('disabling the proxy makes commands fail; enabling it lets them succeed', async () => {
    const toxiproxy = new Toxiproxy(env.endpoints.toxiproxy.url);
    const proxy = await toxiproxy.get(env.endpoints.toxiproxy.proxies.redis);
    await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
    try {
      assert.equal(await pingSucceeds(env.endpoints.redis.proxied), false);
    } finally {
      await proxy.update({ enabled: true, listen: proxy.listen, upstream: proxy.upstream });
    }
    assert.equal(await pingSucceeds(env.endpoints.redis.proxied), true);
  });

  it('a Redis crash makes commands fail; a restart serves again on the same port', async () => {
    const processes = env.processes;
    assert.ok(processes !== undefined);
    const before = processes.pids().redis;
    assert.ok(before !== undefined && pidExists(before));
    await processes.crashRedis();
    assert.equal(pidExists(before), false, 'the crashed redis-server PID is gone');
    assert.equal(processes.pids().redis, undefined);
    assert.equal(await pingSucceeds(env.endpoints.redis.direct), false);
    await processes.restartRedis();
    const restarted = processes.pids().redis;
    assert.ok(restarted !== undefined && restarted !== before);
    assert.equal(await pingSucceeds(env.endpoints.redis.direct), true);
    assert.equal(await pingSucceeds(env.endpoints.redis.proxied), true);
  });

  it('pausing Redis stops answers; resuming brings them back', async () => {
    const processes = env.processes;
    assert.ok(processes !== undefined);
    await processes.pauseRedis();
    try {
      assert.equal(await pingSucceeds(env.endpoints.redis.direct), false);
    } finally {
      await processes.resumeRedis();
    }
    assert.equal(await pingSucceeds(env.endpoints.redis.direct), true);
  });

  it('pausing MariaDB stops answers; resuming brings them back', async () => {
    const processes = env.processes;
    assert.ok(processes !== undefined);
    const { direct, user, password, database } = env.endpoints.mysql;
    const connection = await mysql.createConnection({ ...direct, user, password, database });
    try {
      await processes.pauseMysql();
      let answered: boolean;
      try {
        const outcome = await Promise.race([
          connection.query('SELECT 1').then(() => 'answered'),
          sleep(500).then(() => 'silent'),
        ]);
        answered = outcome === 'answered';
      } finally {
        await processes.resumeMysql();
      }
      assert.equal(answered, false, 'a paused MariaDB must not answer');
      const [rows] = await connection.query('SELECT 1 AS one');
      assert.deepEqual(rows, [{ one: 1 }]);
    } finally {
      await connection.end();
    }
  });
});

describe('local environment clean-up', () => {
  it('stop() ends every process it started', async () => {
    const env = await startLocalEnvironment();
    const pids = Object.values(env.processes?.pids() ?? {}).filter((pid): pid is number => pid !== undefined);
    assert.equal(pids.length, 3);
    for (const pid of pids) assert.equal(pidExists(pid), true);
    await env.stop();
    for (const pid of pids) assert.equal(pidExists(pid), false, `PID ${pid} still exists after stop()`);
  });

  for (const signal of ['SIGINT', 'SIGKILL'] as const) {
    it(`a harness killed with ${signal} leaves no server behind`, async () => {
      const script = `
        import { startLocalEnvironment } from './services/local.ts';
        const env = await startLocalEnvironment();
        console.log(JSON.stringify(env.processes.pids()));
        setInterval(() => {}, 1000);
      `;
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const line = await new Promise<string>((resolveLine, reject) => {
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const newline = output.indexOf('\n');
          if (newline >= 0) resolveLine(output.slice(0, newline));
        });
        child.once('exit', (code) => reject(new Error(`harness exited early with ${code}`)));
      });
      const pids = Object.values(JSON.parse(line) as Record<string, number>);
      assert.equal(pids.length, 3);
      child.kill(signal);
      const deadline = Date.now() + 5000;
      while (pids.some(pidExists) && Date.now() < deadline) await sleep(50);
      assert.deepEqual(
        pids.filter(pidExists),
        [],
        `servers still running ${Date.now() - deadline + 5000} ms after ${signal}`,
      );
    });
  }
});
