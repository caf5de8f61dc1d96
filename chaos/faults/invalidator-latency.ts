import { invalidatorProxy, linkParam } from '../invalidator-fault.ts';
import { directionParam, numberParam, readParams, resolveTarget } from '../params.ts';
import { addToxicsTo, removeToxicsFrom } from '../toxiproxy.ts';
import type { FaultKind, FaultTarget } from '../types.ts';

const TARGETS: readonly FaultTarget[] = ['invalidator'];

const PARAMS = {
  link: linkParam,
  latencyMs: numberParam('added delay in ms', 200, { min: 0, max: 60_000, integer: true }),
  jitterMs: numberParam('random ± variation in ms', 0, { min: 0, max: 60_000, integer: true }),
  direction: directionParam('downstream'),
};

/**
 * Delays every chunk on one of the CDC invalidator's own links (Toxiproxy `latency` on
 * `invalidator-mysql` or `invalidator-redis`): the binlog events arrive late (link `mysql`)
 * or each cache step takes longer (link `redis`, one step at a time, so the invalidator falls
 * behind a fast write rate). The application's links are untouched.
 */
export const invalidatorLatencyFault: FaultKind = {
  name: 'invalidator-latency',
  summary:
    "delays every chunk on the CDC invalidator's own link to MySQL (binlog) or Redis by latencyMs ± jitterMs (link=mysql|redis)",
  targets: TARGETS,
  params: PARAMS,
  needsInvalidator: 'links',
  create(target, raw, id) {
    resolveTarget('invalidator-latency', TARGETS, target);
    const { link, latencyMs, jitterMs, direction } = readParams(raw, PARAMS);
    const jitter = jitterMs > 0 ? ` ±${jitterMs}ms` : '';
    return {
      name: 'invalidator-latency',
      kind: 'invalidator-latency',
      target: 'invalidator',
      describe: () =>
        `invalidator-latency: latency ${latencyMs}ms${jitter} ${direction} on the invalidator's ${link} link`,
      start: (ctx) =>
        addToxicsTo(ctx, invalidatorProxy(ctx, link), id, {
          type: 'latency',
          attributes: { latency: latencyMs, jitter: jitterMs },
          direction,
          toxicity: 1,
        }),
      heal: (ctx) => removeToxicsFrom(ctx, invalidatorProxy(ctx, link), id),
    };
  },
};
