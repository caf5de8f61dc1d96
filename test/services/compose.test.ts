import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../services/binaries.ts';
import { SERVICE_IMAGES } from '../../services/images.ts';
import { LOCAL_MYSQL_ACCESS } from '../../services/local.ts';
import { CLUSTER_MASTERS, CLUSTER_NODE_TIMEOUT_MS, CLUSTER_NODES } from '../../services/redis-cluster.ts';

/** The parts of a compose service this test reads. */
interface ComposeService {
  image: string;
  profiles?: string[];
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  network_mode?: string;
}

/** docker-compose.yml through a real YAML parser (no Docker client here): a syntax error throws. */
function compose(): { services: Record<string, ComposeService> } {
  return parse(readFileSync(join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8'), {
    strict: true,
    uniqueKeys: true,
  });
}

const proxies = JSON.parse(readFileSync(join(PROJECT_ROOT, 'toxiproxy.json'), 'utf8')) as {
  name: string;
  listen: string;
  upstream: string;
}[];

function proxy(name: string): { listenPort: number; upstream: string } {
  const found = proxies.find((p) => p.name === name);
  assert.ok(found, `toxiproxy.json has ${name}`);
  return { listenPort: Number(found.listen.split(':').at(-1)), upstream: found.upstream };
}

describe('docker-compose.yml (parsed as YAML; Docker cannot run here)', () => {
  const { services } = compose();

  it('parses, and keeps the default stack free of profiles', () => {
    for (const name of ['redis', 'mysql', 'toxiproxy'])
      assert.equal(services[name]?.profiles, undefined, name);
  });

  it('has a replica profile: a replica of mysql with the connection details of the local environment', () => {
    const replica = services['mysql-replica'];
    const primary = services.mysql;
    assert.ok(replica && primary);
    assert.deepEqual(replica.profiles, ['replica']);
    assert.equal(replica.image, SERVICE_IMAGES.mysql);
    assert.equal(replica.image, primary.image);
    assert.deepEqual(replica.environment, primary.environment);
    const env = primary.environment ?? {};
    assert.deepEqual(
      { user: env.MYSQL_USER, password: env.MYSQL_PASSWORD, database: env.MYSQL_DATABASE },
      { ...LOCAL_MYSQL_ACCESS },
    );
    for (const service of [primary, replica]) {
      assert.ok(service.command?.includes('--gtid-mode=ON'));
      assert.ok(service.command?.includes('--enforce-gtid-consistency=ON'));
    }
    assert.ok(replica.command?.includes('--server-id=2') && primary.command?.includes('--server-id=1'));
    assert.deepEqual(replica.ports, ['127.0.0.1:3307:3306']);
    assert.deepEqual(replica.depends_on, { toxiproxy: { condition: 'service_healthy' } });
  });

  it('sends the replication link and the replica reads through Toxiproxy, as the local environment does', () => {
    const replication = proxy('cacheproof-replication');
    assert.equal(replication.upstream, 'mysql:3306');
    assert.equal(proxy('cacheproof-mysql-replica').upstream, 'mysql-replica:3306');
    assert.ok(services.toxiproxy?.ports?.includes('127.0.0.1:23308:23308'));
    const init = readFileSync(join(PROJECT_ROOT, 'docker', 'mysql-replica-init.sql'), 'utf8');
    assert.match(init, /SOURCE_HOST = 'toxiproxy'/);
    assert.match(init, new RegExp(`SOURCE_PORT = ${replication.listenPort},`));
    assert.match(init, /SOURCE_AUTO_POSITION = 1/);
    assert.match(init, new RegExp(`SOURCE_USER = '${LOCAL_MYSQL_ACCESS.user}'`));
  });

  it('mounts init scripts that exist', () => {
    for (const service of Object.values(services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0] ?? '';
        assert.ok(existsSync(join(PROJECT_ROOT, source)), `${source} exists`);
      }
    }
  });

  it('has a cluster profile: six cluster nodes behind their own proxies, announcing them, as the local environment does', () => {
    const clusterProxies = JSON.parse(
      readFileSync(join(PROJECT_ROOT, 'docker', 'toxiproxy-cluster.json'), 'utf8'),
    ) as { name: string; listen: string; upstream: string }[];
    const nodes = Object.entries(services).filter(([name]) => name.startsWith('redis-node-'));
    assert.equal(nodes.length, CLUSTER_NODES);
    const announced: string[] = [];
    for (const [name, node] of nodes) {
      assert.deepEqual(node.profiles, ['cluster'], name);
      assert.equal(node.image, SERVICE_IMAGES.redis, name);
      assert.equal(node.network_mode, 'host', name);
      const command = node.command ?? [];
      const flag = (option: string) => command[command.indexOf(option) + 1];
      assert.equal(flag('--cluster-enabled'), 'yes');
      assert.equal(Number(flag('--cluster-node-timeout')), CLUSTER_NODE_TIMEOUT_MS);
      assert.equal(flag('--cluster-announce-ip'), '127.0.0.1');
      assert.equal(flag('--cluster-announce-bus-port'), flag('--cluster-port'), `${name}: the bus is direct`);
      const proxyOfNode = clusterProxies.find((p) => p.upstream === `127.0.0.1:${flag('--port')}`);
      assert.ok(proxyOfNode, `${name} has a proxy`);
      assert.equal(
        proxyOfNode.listen,
        `127.0.0.1:${flag('--cluster-announce-port')}`,
        `${name} announces its proxy`,
      );
      announced.push(proxyOfNode.listen);
    }
    const create = services['redis-cluster-create'];
    assert.ok(create);
    assert.deepEqual(create.profiles, ['cluster']);
    assert.deepEqual(create.command?.slice(0, 3), ['redis-cli', '--cluster', 'create']);
    assert.deepEqual(create.command?.slice(3, 3 + CLUSTER_NODES), announced);
    assert.deepEqual(create.command?.slice(3 + CLUSTER_NODES), [
      '--cluster-replicas',
      String(CLUSTER_NODES / CLUSTER_MASTERS - 1),
      '--cluster-yes',
    ]);
    assert.deepEqual(create.depends_on, { 'toxiproxy-cluster': { condition: 'service_healthy' } });
    const toxiproxy = services['toxiproxy-cluster'];
    assert.equal(toxiproxy?.image, SERVICE_IMAGES.toxiproxy);
    assert.deepEqual(Object.keys(toxiproxy?.depends_on ?? {}).sort(), nodes.map(([name]) => name).sort());
  });
});
