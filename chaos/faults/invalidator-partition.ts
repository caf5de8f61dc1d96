import { invalidatorProxy, linkParam } from '../invalidator-fault.ts';
import { choiceParam, directionParam, readParams, resolveTarget } from '../params.ts';
import { addToxicsTo, removeToxicsFrom, setProxyEnabled } from '../toxiproxy.ts';
import { type FaultKind, type FaultTarget, ParamError } from '../types.ts';

const TARGETS: readonly FaultTarget[] = ['invalidator'];

const PARAMS = {
  link: linkParam,
  mode: choiceParam(
    "'timeout': data is dropped and the invalidator's connections hang (timeout toxic of 0); 'disable': its proxy is disabled, connections closed and new ones refused",
    'timeout' as 'timeout' | 'disable',
    ['timeout', 'disable'],
  ),
  direction: directionParam('both'),
};

/**
 * Cuts one of the CDC invalidator's own links (its proxy `invalidator-mysql` or
 * `invalidator-redis`), as `partition` cuts the application's: the application keeps reading
 * and writing. Link `mysql`: the binlog stream stops delivering (mode `timeout`: it hangs;
 * `disable`: it is closed and reconnects are refused); at heal Toxiproxy closes the hung
 * stream and the invalidator reconnects from its last applied transaction. Link `redis`: the
 * events still arrive, and the invalidator retries each cache step, in binlog order, until
 * the link is back. Either way the changes committed meanwhile stay un-invalidated until the
 * heal, then are all applied (docs/definitions.md "Invalidator faults").
 */
export const invalidatorPartitionFault: FaultKind = {
  name: 'invalidator-partition',
  summary:
    "cuts the CDC invalidator's own link to MySQL (binlog) or Redis (link=mysql|redis); the application's links are untouched",
  targets: TARGETS,
  params: PARAMS,
  needsInvalidator: 'links',
  exclusiveResource(_target, raw) {
    return raw.mode === 'disable' ? `proxy invalidator-${String(raw.link ?? 'mysql')}` : undefined;
  },
  create(target, raw, id) {
    resolveTarget('invalidator-partition', TARGETS, target);
    const { link, mode, direction } = readParams(raw, PARAMS);
    if (mode === 'disable' && raw.direction !== undefined) {
      throw new ParamError("param 'direction' applies to mode 'timeout' only; 'disable' cuts both ways");
    }
    const base = {
      name: 'invalidator-partition',
      kind: 'invalidator-partition',
      target: 'invalidator' as const,
    };
    if (mode === 'disable') {
      return {
        ...base,
        describe: () =>
          `invalidator-partition: the invalidator's ${link} proxy disabled (connections closed, new ones refused)`,
        start: (ctx) => setProxyEnabled(ctx.toxiproxy, invalidatorProxy(ctx, link), false),
        heal: (ctx) => setProxyEnabled(ctx.toxiproxy, invalidatorProxy(ctx, link), true),
      };
    }
    return {
      ...base,
      describe: () =>
        `invalidator-partition: timeout toxic of 0 ${direction} on the invalidator's ${link} link (data dropped, connections hang)`,
      start: (ctx) =>
        addToxicsTo(ctx, invalidatorProxy(ctx, link), id, {
          type: 'timeout',
          attributes: { timeout: 0 },
          direction,
          toxicity: 1,
        }),
      heal: (ctx) => removeToxicsFrom(ctx, invalidatorProxy(ctx, link), id),
    };
  },
};
