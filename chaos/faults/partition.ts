import { choiceParam, directionParam, readParams, resolveTarget } from '../params.ts';
import { addToxics, proxyNames, removeToxics, setProxyEnabled } from '../toxiproxy.ts';
import { type FaultKind, type FaultTarget, ParamError } from '../types.ts';

const TARGETS: readonly FaultTarget[] = ['redis', 'mysql'];

const PARAMS = {
  mode: choiceParam(
    "'timeout': data is dropped and connections hang (timeout toxic of 0); 'disable': the proxy is disabled, connections are closed and new ones refused",
    'timeout' as 'timeout' | 'disable',
    ['timeout', 'disable'],
  ),
  direction: directionParam('both'),
};

/**
 * Cuts the link. Mode `timeout` adds a `timeout` toxic of 0 per stream: bytes are dropped and
 * open connections hang until the client's own timeout fires; removing the toxic at heal makes
 * Toxiproxy close the connections it held, so clients reconnect on a clean stream. Mode
 * `disable` disables the proxy: open connections are closed at once, new ones refused until heal.
 */
export const partitionFault: FaultKind = {
  name: 'partition',
  summary:
    "cuts the link: mode 'timeout' (packets dropped, connections hang) or 'disable' (connections refused)",
  targets: TARGETS,
  params: PARAMS,
  exclusiveResource(target, raw) {
    return raw.mode === 'disable' ? `proxy ${target ?? TARGETS[0]}` : undefined;
  },
  create(target, raw, id) {
    const resolvedTarget = resolveTarget('partition', TARGETS, target);
    const { mode, direction } = readParams(raw, PARAMS);
    if (mode === 'disable' && raw.direction !== undefined) {
      throw new ParamError("param 'direction' applies to mode 'timeout' only; 'disable' cuts both ways");
    }
    const name = `${resolvedTarget}-partition`;
    if (mode === 'disable') {
      return {
        name,
        kind: 'partition',
        target: resolvedTarget,
        describe: () => `partition: proxy ${resolvedTarget} disabled (connections closed, new ones refused)`,
        start: async (ctx) => {
          for (const name of proxyNames(ctx.env, resolvedTarget))
            await setProxyEnabled(ctx.toxiproxy, name, false);
        },
        heal: async (ctx) => {
          for (const name of proxyNames(ctx.env, resolvedTarget))
            await setProxyEnabled(ctx.toxiproxy, name, true);
        },
      };
    }
    return {
      name,
      kind: 'partition',
      target: resolvedTarget,
      describe: () =>
        `partition: timeout toxic of 0 ${direction} on ${resolvedTarget} (data dropped, connections hang)`,
      start: (ctx) =>
        addToxics(ctx, resolvedTarget, id, {
          type: 'timeout',
          attributes: { timeout: 0 },
          direction,
          toxicity: 1,
        }),
      heal: (ctx) => removeToxics(ctx, resolvedTarget, id),
    };
  },
};
