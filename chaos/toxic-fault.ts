import type { ToxicType } from 'toxiproxy-node-client';
import { directionParam, type ParamValues, readParams, resolveTarget, toxicityParam } from './params.ts';
import { addToxics, removeToxics } from './toxiproxy.ts';
import type { FaultDirection, FaultKind, FaultTarget, ParamSpec } from './types.ts';

/** How one Toxiproxy toxic becomes a fault kind. */
export interface ToxicFaultDefinition<S extends Record<string, ParamSpec<unknown>>> {
  name: string;
  toxicType: ToxicType;
  summary: string;
  defaultDirection: FaultDirection;
  /** The kind's own parameters; `direction` and `toxicity` are added to every toxic fault. */
  params: S;
  attributes(values: ParamValues<S>): Record<string, number>;
  /** The toxic's parameters in words, e.g. `latency 100ms ±10ms`. */
  describe(values: ParamValues<S>): string;
}

/**
 * Builds a network fault kind acting through one toxic per stream on the target's proxy,
 * e.g. `redis-latency`: start adds the toxics, heal removes them.
 */
export function toxicFaultKind<S extends Record<string, ParamSpec<unknown>>>(
  definition: ToxicFaultDefinition<S>,
): FaultKind {
  const targets: readonly FaultTarget[] = ['redis', 'mysql'];
  const common = { direction: directionParam(definition.defaultDirection), toxicity: toxicityParam };
  const params = { ...definition.params, ...common };
  return {
    name: definition.name,
    summary: definition.summary,
    targets,
    params,
    create(target, raw, id) {
      const resolvedTarget = resolveTarget(definition.name, targets, target);
      // Reading the whole map first gives unknown-key errors the full list of params.
      readParams(raw, params);
      const { direction, toxicity, ...own } = raw;
      const values = readParams(own, definition.params);
      const shared = readParams({ direction, toxicity }, common);
      const spec = {
        type: definition.toxicType,
        attributes: definition.attributes(values),
        direction: shared.direction,
        toxicity: shared.toxicity,
      };
      const share = shared.toxicity === 1 ? '' : `, toxicity ${shared.toxicity}`;
      return {
        name: `${resolvedTarget}-${definition.name}`,
        kind: definition.name,
        target: resolvedTarget,
        describe: () => `${definition.describe(values)} ${shared.direction} on ${resolvedTarget}${share}`,
        start: (ctx) => addToxics(ctx, resolvedTarget, id, spec),
        heal: (ctx) => removeToxics(ctx, resolvedTarget, id),
      };
    },
  };
}
