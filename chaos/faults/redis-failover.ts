import { ConfigurationError } from '../../kernel/index.ts';
import { CLUSTER_MASTERS, CLUSTER_NODE_TIMEOUT_MS } from '../../services/redis-cluster.ts';
import type { ClusterControl } from '../../services/types.ts';
import { numberParam, readParams, resolveTarget } from '../params.ts';
import type { FaultContext, FaultKind, FaultTarget } from '../types.ts';

const TARGETS: readonly FaultTarget[] = ['redis'];

const PARAMS = {
  master: numberParam(
    'which master to kill: its place (0, 1, 2) among the masters at start, in node order (presets draw it from the seed)',
    0,
    { min: 0, max: CLUSTER_MASTERS - 1, integer: true },
  ),
};

/** How long the heal waits for the replica's promotion before it restarts the old master. */
const PROMOTION_TIMEOUT_MS = 20 * CLUSTER_NODE_TIMEOUT_MS;
/** How long the heal waits for the cluster to be whole again (all slots, every replica linked). */
const HEALTHY_TIMEOUT_MS = 30_000;

function clusterOf(ctx: FaultContext): ClusterControl {
  const cluster = ctx.env.cluster;
  if (cluster === undefined) {
    throw new ConfigurationError('--fault redis-failover needs --cache-topology cluster (--env local)');
  }
  return cluster;
}

/**
 * A Redis Cluster master fails over: at start one master (param `master`) is SIGKILLed; after
 * `cluster-node-timeout` the other masters mark it failed and its replica is elected and
 * promoted. Until then the slots it served answer nothing (and, with full coverage required,
 * the whole cluster says CLUSTERDOWN); whatever the master had acknowledged but not yet sent
 * to its replica is gone — write-behind's queued writes among it. At heal the harness waits
 * for the promotion, starts the old master again on its ports and `nodes.conf` (empty: the
 * nodes keep no files), and waits until it has rejoined as a replica and every slot is served.
 */
export const redisFailoverFault: FaultKind = {
  name: 'redis-failover',
  summary:
    'SIGKILLs a Redis Cluster master; its replica is promoted after the node timeout; at heal the old master rejoins as a replica (needs --cache-topology cluster)',
  targets: TARGETS,
  params: PARAMS,
  needsProcess: 'Redis',
  needsCluster: true,
  exclusiveResource: () => 'process redis-cluster',
  create(target, raw) {
    resolveTarget('redis-failover', TARGETS, target);
    const { master } = readParams(raw, PARAMS);
    /** The node this fault killed, once it has. */
    let killed: number | undefined;
    return {
      name: 'redis-failover',
      kind: 'redis-failover',
      target: 'redis',
      describe: () =>
        `redis-failover: master ${master} of the cluster killed (SIGKILL), its replica promoted; restarted as a replica at heal`,
      async start(ctx) {
        const cluster = clusterOf(ctx);
        const masters = (await cluster.roles()).filter((node) => node.role === 'master');
        const victim = masters[master % masters.length];
        if (victim === undefined) throw new Error('redis-failover: the cluster has no master to kill');
        killed = victim.index;
        await cluster.killNode(victim.index);
      },
      async heal(ctx) {
        if (killed === undefined) return;
        const cluster = clusterOf(ctx);
        const index = killed;
        if (cluster.pids()[index] === undefined) {
          await waitForPromotion(cluster, index);
          await cluster.restartNode(index);
        }
        await cluster.waitHealthy(HEALTHY_TIMEOUT_MS);
        const role = (await cluster.roles())[index]?.role;
        if (role !== 'replica') {
          throw new Error(
            `redis-failover: node ${index} came back as ${role ?? 'nothing'}, not as a replica`,
          );
        }
        killed = undefined;
      },
    };
  },
};

/** Waits until the running nodes include as many masters as the cluster has (the dead one's replica was promoted). */
async function waitForPromotion(cluster: ClusterControl, dead: number): Promise<void> {
  const deadline = Date.now() + PROMOTION_TIMEOUT_MS;
  for (;;) {
    const masters = (await cluster.roles()).filter((node) => node.role === 'master' && node.index !== dead);
    if (masters.length >= CLUSTER_MASTERS) return;
    if (Date.now() > deadline) {
      throw new Error(
        `redis-failover: no replica of node ${dead} was promoted within ${PROMOTION_TIMEOUT_MS} ms`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
