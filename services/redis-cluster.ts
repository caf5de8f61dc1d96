import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { killAndWait, type ManagedProcess, redisPing, spawnServer, waitUntil } from './processes.ts';
import type { HostPort, RedisClusterNode, RedisNodeRole } from './types.ts';

const execFileAsync = promisify(execFile);

/** Redis Cluster's hash slots: every one must be served for `cluster_state:ok`. */
export const CLUSTER_SLOTS = 16384;
/** Masters of the local cluster; each has one replica (`--cluster-replicas 1`). */
export const CLUSTER_MASTERS = 3;
/** Nodes of the local cluster: the masters and one replica each. */
export const CLUSTER_NODES = CLUSTER_MASTERS * 2;
/**
 * `cluster-node-timeout`: how long a master may not answer before its replica is promoted.
 * Low (Redis' default is 15 s) so a failover fits in a short run's fault window.
 */
export const CLUSTER_NODE_TIMEOUT_MS = 1500;

/** Where one node listens: its client port, its cluster bus port, and the proxy clients reach it by. */
export interface ClusterNodeAddress {
  direct: HostPort;
  /** The cluster bus (node-to-node gossip and failover votes): direct, never proxied. */
  busPort: number;
  /** The Toxiproxy proxy in front of `direct`: what the node announces to clients. */
  proxied: HostPort;
  proxy: string;
}

/** One `redis-server --cluster-enabled yes` process per node, which can be killed and started again. */
export class LocalRedisCluster {
  private readonly processes: (ManagedProcess | undefined)[];

  constructor(
    private readonly dir: string,
    private readonly redisServer: string,
    private readonly nodes: readonly ClusterNodeAddress[],
    /** Called right after each spawn: the owner records the PID for its watchdog. */
    private readonly onSpawn: () => void,
  ) {
    this.processes = nodes.map(() => undefined);
  }

  /** Every node process started so far (some may have exited). */
  owned(): (ManagedProcess | undefined)[] {
    return [...this.processes];
  }

  /** The nodes as endpoints list them. */
  endpoints(): RedisClusterNode[] {
    return this.nodes.map(({ direct, proxied }) => ({ direct, proxied }));
  }

  pid(index: number): number | undefined {
    const node = this.processes[index];
    return node?.isRunning() ? node.child.pid : undefined;
  }

  private args(index: number): string[] {
    const node = this.nodes[index] as ClusterNodeAddress;
    return [
      '--port',
      String(node.direct.port),
      '--bind',
      node.direct.host,
      '--dir',
      join(this.dir, `redis-node-${index}`),
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'no',
      '--daemonize',
      'no',
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      'nodes.conf',
      '--cluster-node-timeout',
      String(CLUSTER_NODE_TIMEOUT_MS),
      '--cluster-port',
      String(node.busPort),
      // Clients are told (in MOVED, CLUSTER SLOTS) the proxy's address, so a redirection goes
      // through Toxiproxy too; the bus stays direct, so faults on a proxy do not fake a failure.
      '--cluster-announce-ip',
      node.proxied.host,
      '--cluster-announce-port',
      String(node.proxied.port),
      '--cluster-announce-bus-port',
      String(node.busPort),
    ];
  }

  /** Starts node `index` (again) on its ports and data directory, and waits until it answers PING. */
  async startNode(index: number, timeoutMs: number): Promise<void> {
    const node = this.nodes[index] as ClusterNodeAddress;
    await mkdir(join(this.dir, `redis-node-${index}`), { recursive: true });
    const started = spawnServer(
      `redis-server (cluster node ${index})`,
      this.redisServer,
      this.args(index),
      join(this.dir, `redis-node-${index}.log`),
    );
    this.processes[index] = started;
    this.onSpawn();
    await waitUntil(
      `redis-server cluster node ${index} on ${node.direct.host}:${node.direct.port}`,
      () => redisPing(node.direct.host, node.direct.port),
      timeoutMs,
      started,
    );
  }

  /** SIGKILLs node `index` and waits for its exit. */
  async killNode(index: number): Promise<void> {
    const node = this.processes[index];
    if (node === undefined || !node.isRunning()) throw new Error(`cluster node ${index} is not running`);
    await killAndWait(node);
  }

  /**
   * `redis-cli --cluster create` over the proxied addresses (the ones the nodes announce),
   * one replica per master, then waits until every node says `cluster_state:ok` with all
   * {@link CLUSTER_SLOTS} slots assigned and every replica attached to a master.
   */
  async create(redisCli: string, timeoutMs: number): Promise<void> {
    const addresses = this.nodes.map(({ proxied }) => `${proxied.host}:${proxied.port}`);
    await execFileAsync(
      redisCli,
      ['--cluster', 'create', ...addresses, '--cluster-replicas', '1', '--cluster-yes'],
      { timeout: timeoutMs },
    );
    await this.waitHealthy(timeoutMs);
  }

  /**
   * Waits until every running node reports `cluster_state:ok` and `cluster_slots_ok:16384`,
   * and there are {@link CLUSTER_MASTERS} masters each with a replica linked to it.
   */
  async waitHealthy(timeoutMs: number): Promise<void> {
    let last = '';
    try {
      await waitUntil(
        'Redis Cluster: cluster_state:ok on every node, all slots served',
        async () => {
          const states = await Promise.all(
            this.nodes.map(async (node, index) => {
              if (this.pid(index) === undefined) return `node ${index} down`;
              const info = await nodeCommand(node.direct, ['CLUSTER', 'INFO']);
              const text = String(info);
              const ok =
                text.includes('cluster_state:ok') && text.includes(`cluster_slots_ok:${CLUSTER_SLOTS}`);
              return ok ? '' : `node ${index}: ${/cluster_state:\w+/.exec(text)?.[0] ?? text}`;
            }),
          );
          last = states.filter((state) => state !== '').join(', ');
          if (last !== '') return false;
          const roles = await this.roles();
          const masters = roles.filter((role) => role.role === 'master').length;
          const linked = roles.filter((role) => role.role === 'replica' && role.linkUp).length;
          last = `${masters} masters, ${linked} linked replicas`;
          return masters === CLUSTER_MASTERS && linked === this.nodes.length - CLUSTER_MASTERS;
        },
        timeoutMs,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}${last === '' ? '' : ` (${last})`}`);
    }
  }

  /** Each node's `ROLE` (down nodes as `down`). */
  async roles(): Promise<RedisNodeRole[]> {
    return Promise.all(
      this.nodes.map(async (node, index): Promise<RedisNodeRole> => {
        if (this.pid(index) === undefined) return { index, role: 'down', linkUp: false };
        const reply = (await nodeCommand(node.direct, ['ROLE']).catch(() => undefined)) as
          | unknown[]
          | undefined;
        if (reply === undefined) return { index, role: 'down', linkUp: false };
        if (reply[0] === 'master') return { index, role: 'master', linkUp: true };
        return { index, role: 'replica', linkUp: reply[3] === 'connected' };
      }),
    );
  }

  /** Kills every node; harmless for nodes already gone. */
  async stop(): Promise<void> {
    await Promise.all(this.processes.map((p) => (p === undefined ? undefined : killAndWait(p))));
  }
}

/** One command on one node over a short-lived direct connection (no cluster redirection). */
async function nodeCommand(address: HostPort, command: [string, ...string[]]): Promise<unknown> {
  const redis = new Redis({
    host: address.host,
    port: address.port,
    lazyConnect: true,
    connectTimeout: 1000,
    commandTimeout: 2000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const [name, ...args] = command;
    return await redis.call(name, ...args);
  } finally {
    redis.disconnect();
  }
}
