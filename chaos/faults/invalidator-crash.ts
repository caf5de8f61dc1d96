import { invalidatorsOf } from '../invalidator-fault.ts';
import { readParams, resolveTarget } from '../params.ts';
import type { FaultKind, FaultTarget } from '../types.ts';

const TARGETS: readonly FaultTarget[] = ['invalidator'];

/**
 * Kills the CDC invalidator task (it runs in the harness's process, so a hard in-process
 * stop): its binlog stream is dropped, its queued events, in-memory positions and any
 * position not yet saved are lost, the event in hand is abandoned. At heal — the fault's
 * duration is the restart delay — it starts again from the position file, as a restarted
 * process would (strategies/binlog-invalidator.ts `crash`, `restart`).
 */
export const invalidatorCrashFault: FaultKind = {
  name: 'invalidator-crash',
  summary:
    'kills the CDC invalidator task (state and un-saved position lost), restarts it from its saved position at heal',
  targets: TARGETS,
  params: {},
  needsInvalidator: 'process',
  exclusiveResource: () => 'the CDC invalidator',
  create(target, raw) {
    resolveTarget('invalidator-crash', TARGETS, target);
    readParams(raw, {});
    return {
      name: 'invalidator-crash',
      kind: 'invalidator-crash',
      target: 'invalidator',
      describe: () =>
        'invalidator-crash: the CDC invalidator killed, restarted from its saved position at heal',
      async start(ctx) {
        for (const invalidator of invalidatorsOf(ctx, 'invalidator-crash')) await invalidator.crash();
      },
      async heal(ctx) {
        for (const invalidator of ctx.invalidators) if (invalidator.crashed) await invalidator.restart();
      },
    };
  },
};
