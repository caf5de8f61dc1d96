import { readParams, resolveTarget } from './params.ts';
import { processesOf } from './process-control.ts';
import type { FaultKind, FaultTarget } from './types.ts';

const NAME = 'redis-crash';
const COLOR = '#9d0208';
const TARGETS: readonly FaultTarget[] = ['redis'];

/**
 * Kills redis-server with SIGKILL at start and starts it again on the same port at heal. Without
 * AOF (the default) the restarted server is empty: whatever only Redis held is gone.
 */
export const redisCrashFault: FaultKind = {
  name: NAME,
  color: COLOR,
  summary: 'SIGKILLs redis-server, restarts it at heal on the same port (empty unless --redis-aof)',
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
      describe: () => 'redis-server killed (SIGKILL), restarted at heal',
      start: (ctx) => processesOf(ctx, NAME, 'Redis').crashRedis(),
      async heal(ctx) {
        const processes = processesOf(ctx, NAME, 'Redis');
        if (processes.pids().redis === undefined) await processes.restartRedis();
      },
    };
  },
};
