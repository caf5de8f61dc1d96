import { readParams, resolveTarget } from './params.ts';
import { processesOf } from './process-control.ts';
import type { FaultKind, FaultTarget } from './types.ts';

const NAME = 'redis-pause';
const COLOR = '#ffb703';
const TARGETS: readonly FaultTarget[] = ['redis'];

/** Stops redis-server with SIGSTOP (a long GC-like pause: connections stay open, nothing answers), SIGCONT at heal. */
export const redisPauseFault: FaultKind = {
  name: NAME,
  color: COLOR,
  summary: 'SIGSTOPs redis-server (connections open, no answers), SIGCONT at heal',
  targets: TARGETS,
  params: {},
  needsProcess: 'Redis',
  exclusiveResource: () => 'process redis',
  create(target, raw) {
    resolveTarget(NAME, TARGETS, target);
    readParams(raw, {});
    return {
      name: NAME,
      color: COLOR,
      target: 'redis',
      describe: () => 'redis-server paused (SIGSTOP), resumed at heal (SIGCONT)',
      start: (ctx) => processesOf(ctx, NAME, 'Redis').pauseRedis(),
      async heal(ctx) {
        const processes = processesOf(ctx, NAME, 'Redis');
        if (processes.pids().redis !== undefined) await processes.resumeRedis();
      },
    };
  },
};
