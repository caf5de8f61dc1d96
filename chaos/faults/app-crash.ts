import { ConfigurationError } from '../../kernel/index.ts';
import { numberParam, readParams, resolveTarget } from '../params.ts';
import type { AppProcessControl, FaultContext, FaultKind, FaultTarget } from '../types.ts';

const TARGETS: readonly FaultTarget[] = ['app'];
/** Highest worker slot a plan may name (`--workers` allows 64 processes). */
const MAX_SLOT = 63;

const PARAMS = {
  worker: numberParam('the worker slot (0 … --workers − 1) whose process is killed', 0, {
    min: 0,
    max: MAX_SLOT,
    integer: true,
  }),
};

/** Why app-crash cannot run in this application, for plan validation and the fault itself. */
export const APP_CRASH_NEEDS_WORKERS =
  'app-crash needs --workers N (it kills an application worker process; without --workers the application runs inside the harness)';

function appOf(ctx: FaultContext): AppProcessControl {
  if (ctx.app === undefined) throw new ConfigurationError(`--fault ${APP_CRASH_NEEDS_WORKERS}`);
  return ctx.app;
}

/**
 * Kills one application worker process with SIGKILL at start, once it holds operations in
 * flight, and starts a replacement in its slot at heal (the workers driver keeps a standby
 * process connected for that, so the replacement serves within milliseconds). The operations
 * it had in flight are `info`: some committed in MySQL without their cache step (an
 * invalidation never sent), some never ran. What lived only in that process dies with it:
 * its in-memory retry queue (`--on-invalidation-error retry`) and its single-flight fills.
 * Its clients are idle until the replacement takes them over where their streams stood.
 */
export const appCrashFault: FaultKind = {
  name: 'app-crash',
  summary:
    'SIGKILLs one application worker process while it holds operations in flight; a standby takes its slot at heal (needs --workers)',
  targets: TARGETS,
  params: PARAMS,
  needsApp: true,
  exclusiveResource: (_target, raw) => `worker ${String(raw.worker ?? 0)}`,
  create(target, raw) {
    resolveTarget('app-crash', TARGETS, target);
    const { worker } = readParams(raw, PARAMS);
    return {
      name: 'app-crash',
      kind: 'app-crash',
      target: 'app',
      describe: () =>
        `application worker ${worker} killed (SIGKILL) with operations in flight, replaced at heal`,
      async start(ctx) {
        await appOf(ctx).crashWorker(worker);
      },
      async heal(ctx) {
        await appOf(ctx).replaceCrashed();
      },
    };
  },
};
