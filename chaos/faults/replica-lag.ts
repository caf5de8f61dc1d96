import { ConfigurationError } from '../../kernel/index.ts';
import type { ReplicaControl } from '../../services/types.ts';
import { choiceParam, numberParam, readParams, resolveTarget } from '../params.ts';
import { addToxics, removeToxics } from '../toxiproxy.ts';
import { type FaultContext, type FaultKind, type FaultTarget, ParamError } from '../types.ts';

const TARGETS: readonly FaultTarget[] = ['replication'];

const PARAMS = {
  mode: choiceParam(
    "'latency': every chunk of the primary's binlog reaches the replica latencyMs late (a Toxiproxy latency toxic on the replication link); 'pause': the replica's SQL thread is stopped (STOP SLAVE SQL_THREAD), so it receives but applies nothing until the heal",
    'latency' as 'latency' | 'pause',
    ['latency', 'pause'],
  ),
  latencyMs: numberParam("mode 'latency': added delay in ms", 1000, { min: 1, max: 30_000, integer: true }),
  jitterMs: numberParam("mode 'latency': random ± variation in ms", 0, {
    min: 0,
    max: 30_000,
    integer: true,
  }),
};

function replicaOf(ctx: FaultContext): ReplicaControl {
  const replica = ctx.env.replica;
  if (replica === undefined) {
    throw new ConfigurationError('--fault replica-lag needs --db-topology primary-replica');
  }
  return replica;
}

/**
 * Makes the MySQL replica fall behind its primary, so that a read from the replica returns a
 * version the primary has already replaced. Mode `latency` (default) delays the replication
 * link (primary → replica) by `latencyMs` with a Toxiproxy toxic: every write reaches the
 * replica that late, and at heal the toxic is removed and the replica catches up. Mode `pause`
 * stops the replica's SQL thread: the I/O thread keeps relaying, nothing is applied, the lag
 * grows for the whole window, and `START SLAVE` at heal applies the backlog. Neither touches
 * the primary or the strategy's own links.
 */
export const replicaLagFault: FaultKind = {
  name: 'replica-lag',
  summary:
    "the MySQL replica falls behind: mode 'latency' delays the replication link, 'pause' stops the replica's SQL thread (needs --db-topology primary-replica)",
  targets: TARGETS,
  params: PARAMS,
  needsReplica: true,
  exclusiveResource(_target, raw) {
    return raw.mode === 'pause' ? 'replica applier' : undefined;
  },
  create(target, raw, id) {
    resolveTarget('replica-lag', TARGETS, target);
    const { mode, latencyMs, jitterMs } = readParams(raw, PARAMS);
    if (mode === 'pause' && (raw.latencyMs !== undefined || raw.jitterMs !== undefined)) {
      throw new ParamError("params 'latencyMs' and 'jitterMs' apply to mode 'latency' only");
    }
    if (mode === 'pause') {
      return {
        name: 'replica-lag',
        kind: 'replica-lag',
        target: 'replication',
        describe: () =>
          "replica-lag: the replica's SQL thread stopped (STOP SLAVE SQL_THREAD), started at heal",
        start: (ctx) => replicaOf(ctx).stopApplier(),
        heal: (ctx) => replicaOf(ctx).startReplication(),
      };
    }
    const jitter = jitterMs > 0 ? ` ±${jitterMs}ms` : '';
    return {
      name: 'replica-lag',
      kind: 'replica-lag',
      target: 'replication',
      describe: () =>
        `replica-lag: latency ${latencyMs}ms${jitter} on the replication link (primary → replica)`,
      start: (ctx) =>
        addToxics(ctx, 'replication', id, {
          type: 'latency',
          attributes: { latency: latencyMs, jitter: jitterMs },
          direction: 'downstream',
          toxicity: 1,
        }),
      heal: (ctx) => removeToxics(ctx, 'replication', id),
    };
  },
};
