import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import { Toxiproxy } from 'toxiproxy-node-client';
import { dockerEngineAvailable, startDockerEnvironment } from '../../services/docker.ts';
import { redisPing } from '../../services/processes.ts';
import type { Environment, HostPort } from '../../services/types.ts';
import { defaultStrategyContext } from '../../strategies/defaults.ts';
import { findStrategy } from '../../strategies/registry.ts';

// Runs only where a Docker engine answers; elsewhere every test is reported SKIPPED with the reason.
const engine = await dockerEngineAvailable();
const skip = engine.available ? false : engine.reason;

async function mysqlAnswers(env: Environment, address: HostPort, timeoutMs: number): Promise<boolean> {
  const { user, password, database } = env.endpoints.mysql;
  const connection = await mysql
    .createConnection({ ...address, user, password, database, connectTimeout: timeoutMs })
    .catch(() => undefined);
  if (connection === undefined) return false;
  try {
    await connection.query({ sql: 'SELECT COUNT(*) AS n FROM items', timeout: timeoutMs });
    return true;
  } catch {
    return false;
  } finally {
    connection.destroy();
  }
}

describe('docker environment (testcontainers)', () => {
  let env: Environment | undefined;

  before(async () => {
    if (engine.available) env = await startDockerEnvironment();
  });

  after(async () => {
    await env?.stop();
  });

  it('reaches Redis and MySQL directly and through the Toxiproxy proxies', { skip }, async () => {
    assert.ok(env);
    assert.equal(env.kind, 'docker');
    const { redis, mysql: db, toxiproxy } = env.endpoints;
    assert.ok(await redisPing(redis.direct.host, redis.direct.port, 2000));
    assert.ok(await redisPing(redis.proxied.host, redis.proxied.port, 2000));
    assert.ok(await mysqlAnswers(env, db.direct, 5000));
    assert.ok(await mysqlAnswers(env, db.proxied, 5000));
    const proxies = await new Toxiproxy(toxiproxy.url).getAll();
    assert.ok(proxies[toxiproxy.proxies.redis]);
    assert.ok(proxies[toxiproxy.proxies.mysql]);
    assert.match(env.versions.redis ?? '', /^7\.4\./);
    assert.match(env.versions.mysql ?? '', /^8\.4\./);
  });

  it('runs a strategy unchanged', { skip }, async () => {
    assert.ok(env);
    const entry = findStrategy('cache-aside');
    assert.ok(entry);
    const strategy = await entry.factory(defaultStrategyContext(env.endpoints));
    try {
      const written = await strategy.write(1, Buffer.from('docker'));
      const read = await strategy.read(1);
      assert.ok(read.found);
      assert.equal(read.version, written.version);
    } finally {
      await strategy.close();
    }
  });

  it('crashes Redis (container killed) and restarts it on the same host port', { skip }, async () => {
    assert.ok(env?.processes);
    const { host, port } = env.endpoints.redis.direct;
    await env.processes.crashRedis();
    assert.equal(env.processes.pids().redis, undefined);
    assert.equal(await redisPing(host, port, 500), false);
    await env.processes.restartRedis();
    assert.ok(await redisPing(host, port, 2000));
    assert.ok(await redisPing(env.endpoints.redis.proxied.host, env.endpoints.redis.proxied.port, 2000));
    assert.ok((env.processes.pids().redis ?? 0) > 0);
  });

  it('pauses and resumes Redis and MySQL (docker pause)', { skip }, async () => {
    assert.ok(env?.processes);
    const { host, port } = env.endpoints.redis.direct;
    await env.processes.pauseRedis();
    try {
      assert.equal(await redisPing(host, port, 500), false, 'a paused Redis does not answer');
    } finally {
      await env.processes.resumeRedis();
    }
    assert.ok(await redisPing(host, port, 2000));
    await env.processes.pauseMysql();
    try {
      assert.equal(
        await mysqlAnswers(env, env.endpoints.mysql.direct, 1000),
        false,
        'a paused MySQL does not answer',
      );
    } finally {
      await env.processes.resumeMysql();
    }
    assert.ok(await mysqlAnswers(env, env.endpoints.mysql.direct, 5000));
  });

  it('stop() is idempotent and removes the containers', { skip }, async () => {
    assert.ok(env);
    const { host, port } = env.endpoints.redis.direct;
    await Promise.all([env.stop(), env.stop()]);
    assert.equal(await redisPing(host, port, 500), false);
    assert.deepEqual(env.processes?.pids(), { redis: undefined, mysql: undefined, toxiproxy: undefined });
  });
});
