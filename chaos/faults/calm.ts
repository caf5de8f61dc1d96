import { readParams } from '../params.ts';
import { type FaultKind, ParamError } from '../types.ts';

const NAME = 'calm';

/** The no-op fault: starts and heals nothing (a plan slot with no fault, Jepsen's noop nemesis). */
export const calmFault: FaultKind = {
  name: NAME,
  summary: 'does nothing (the no-op fault; the calm preset has no fault at all)',
  targets: [],
  params: {},
  create(target, raw) {
    if (target !== undefined) throw new ParamError(`calm takes no target, got '${target}'`);
    readParams(raw, {});
    return {
      name: NAME,
      kind: NAME,
      target: undefined,
      describe: () => 'no fault',
      start: async () => undefined,
      heal: async () => undefined,
    };
  },
};
