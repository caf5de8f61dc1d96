import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigurationError } from '../../kernel/index.ts';
import { PROJECT_ROOT } from '../../services/binaries.ts';
import {
  dockerEngineAvailable,
  dockerServiceDefinitions,
  startDockerEnvironment,
} from '../../services/docker.ts';
import { SERVICE_IMAGES } from '../../services/images.ts';

/** `image:` and published container ports of each service in docker-compose.yml (two-space YAML). */
function composeServices(): Record<string, { image: string; containerPorts: number[] }> {
  const services: Record<string, { image: string; containerPorts: number[] }> = {};
  let inServices = false;
  let current: string | undefined;
  for (const line of readFileSync(join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8').split('\n')) {
    if (/^\S/.test(line)) inServices = line.startsWith('services:');
    if (!inServices) continue;
    const service = /^ {2}([\w-]+):\s*$/.exec(line);
    if (service?.[1] !== undefined) {
      current = service[1];
      services[current] = { image: '', containerPorts: [] };
      continue;
    }
    if (current === undefined) continue;
    const entry = services[current] as { image: string; containerPorts: number[] };
    const image = /^ {4}image:\s*(\S+)\s*$/.exec(line);
    if (image?.[1] !== undefined) entry.image = image[1];
    for (const port of line.matchAll(/"127\.0\.0\.1:\d+:(\d+)"/g)) entry.containerPorts.push(Number(port[1]));
  }
  return services;
}

const MYSQL_TEMPORARY_SERVER_LINE =
  "2025-01-01T00:00:05.000000Z 0 [System] [MY-010931] [Server] /usr/sbin/mysqld: ready for connections. Version: '8.4.3'  socket: '/var/run/mysqld/mysqld.sock'  port: 0  MySQL Community Server - GPL.";
const MYSQL_SERVER_LINE =
  "2025-01-01T00:00:09.000000Z 0 [System] [MY-010931] [Server] /usr/sbin/mysqld: ready for connections. Version: '8.4.3'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306  MySQL Community Server - GPL.";
const MYSQL_X_PLUGIN_LINE =
  "2025-01-01T00:00:09.000000Z 0 [System] [MY-011323] [Server] X Plugin ready for connections. Bind-address: '::' port: 33060, socket: /var/run/mysqld/mysqlx.sock";
const REDIS_READY_LINE = '1:M 01 Jan 2025 00:00:01.000 * Ready to accept connections tcp';

describe('docker environment definitions (no engine needed)', () => {
  const definitions = dockerServiceDefinitions({}, 40123);

  it('pins the images of services/images.ts', () => {
    assert.deepEqual(SERVICE_IMAGES, {
      redis: 'redis:7.4',
      mysql: 'mysql:8.4',
      toxiproxy: 'ghcr.io/shopify/toxiproxy:2.12.0',
    });
    assert.equal(definitions.redis.image, SERVICE_IMAGES.redis);
    assert.equal(definitions.mysql.image, SERVICE_IMAGES.mysql);
    assert.equal(definitions.toxiproxy.image, SERVICE_IMAGES.toxiproxy);
  });

  it('uses the same images as docker-compose.yml', () => {
    const compose = composeServices();
    const clusterServices = [
      ...Array.from({ length: 6 }, (_, i) => `redis-node-${i}`),
      'redis-cluster-create',
      'toxiproxy-cluster',
    ];
    assert.deepEqual(
      Object.keys(compose).sort(),
      ['mysql', 'mysql-replica', 'redis', 'toxiproxy', ...clusterServices].sort(),
    );
    for (const name of ['redis', 'mysql', 'toxiproxy'] as const) {
      assert.equal(compose[name]?.image, SERVICE_IMAGES[name], `${name} image in docker-compose.yml`);
    }
    assert.equal(compose['mysql-replica']?.image, SERVICE_IMAGES.mysql, 'the replica runs the primary image');
    // The cluster profile (`cluster`) runs the same Redis and Toxiproxy images.
    for (const name of clusterServices) {
      const image = name === 'toxiproxy-cluster' ? SERVICE_IMAGES.toxiproxy : SERVICE_IMAGES.redis;
      assert.equal(compose[name]?.image, image, `${name} image in docker-compose.yml`);
    }
  });

  it('publishes Redis on the pinned host port, MySQL and the Toxiproxy API and proxy ports on free ones', () => {
    assert.deepEqual(definitions.redis.exposedPorts, [{ container: 6379, host: 40123 }]);
    assert.deepEqual(definitions.mysql.exposedPorts, [{ container: 3306 }]);
    assert.deepEqual(definitions.toxiproxy.exposedPorts, [
      { container: 8474 },
      { container: 26379 },
      { container: 23306 },
    ]);
    assert.deepEqual(dockerServiceDefinitions().redis.exposedPorts, [{ container: 6379 }]);
  });

  it('uses the container ports of docker-compose.yml for the Toxiproxy API and proxies', () => {
    // 23308 is the replica's proxy (profile `replica`): the docker environment runs no replica.
    const published = (composeServices().toxiproxy?.containerPorts ?? []).filter((port) => port !== 23308);
    assert.deepEqual(
      definitions.toxiproxy.exposedPorts.map((port) => port.container),
      published,
    );
  });

  it('waits for Redis to accept connections, for the real MySQL server (not the init one), for the Toxiproxy API', () => {
    assert.equal(definitions.redis.wait.length, 1);
    const redisWait = definitions.redis.wait[0];
    assert.ok(redisWait?.kind === 'log');
    assert.match(REDIS_READY_LINE, redisWait.pattern);

    const mysqlWait = definitions.mysql.wait[0];
    assert.ok(mysqlWait?.kind === 'log');
    assert.equal(mysqlWait.times, 1);
    assert.match(MYSQL_SERVER_LINE, mysqlWait.pattern);
    assert.doesNotMatch(MYSQL_TEMPORARY_SERVER_LINE, mysqlWait.pattern);
    assert.doesNotMatch(MYSQL_X_PLUGIN_LINE, mysqlWait.pattern);

    assert.deepEqual(definitions.toxiproxy.wait, [{ kind: 'http', path: '/version', port: 8474 }]);
  });

  it('creates the benchmark database and user of the other environments', () => {
    assert.equal(definitions.mysql.environment.MYSQL_DATABASE, 'cacheproof_bench');
    assert.equal(definitions.mysql.environment.MYSQL_USER, 'cacheproof');
    assert.equal(definitions.mysql.environment.MYSQL_PASSWORD, 'cacheproof');
    assert.ok((definitions.mysql.environment.MYSQL_ROOT_PASSWORD ?? '').length > 0);
    assert.deepEqual(definitions.toxiproxy.command, ['-host', '0.0.0.0']);
    assert.deepEqual(
      Object.values(definitions).map((definition) => definition.networkAlias),
      ['redis', 'mysql', 'toxiproxy'],
    );
  });

  it('runs Redis without persistence by default, with AOF and maxmemory when asked', () => {
    assert.deepEqual(definitions.redis.command, ['redis-server', '--save', '', '--appendonly', 'no']);
    const aof = dockerServiceDefinitions({ redisPersistence: 'everysec', redisMaxMemoryBytes: 1 << 20 }).redis
      .command;
    assert.deepEqual(aof, [
      'redis-server',
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--maxmemory',
      '1048576',
    ]);
  });

  it('gives every container the startup timeout asked for', () => {
    const quick = dockerServiceDefinitions({ startupTimeoutMs: 5000 });
    for (const definition of Object.values(quick)) assert.equal(definition.startupTimeoutMs, 5000);
  });
});

const engine = await dockerEngineAvailable();

describe('docker environment without an engine', () => {
  it('dockerEngineAvailable says whether an engine answers, and why', () => {
    assert.equal(typeof engine.available, 'boolean');
    assert.ok(engine.reason.length > 0);
    if (!engine.available) assert.match(engine.reason, /^no Docker engine reachable/);
  });

  it('startDockerEnvironment is a one-line configuration error', {
    skip: engine.available ? 'a Docker engine is reachable here' : false,
  }, async () => {
    await assert.rejects(
      startDockerEnvironment(),
      (error: unknown) =>
        error instanceof ConfigurationError &&
        error.message.startsWith('--env docker: no Docker engine reachable') &&
        !error.message.includes('\n'),
    );
  });
});
