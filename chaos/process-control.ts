import { ConfigurationError } from '../kernel/index.ts';
import type { ProcessControl } from '../services/types.ts';
import type { FaultContext, OwnedProcess } from './types.ts';

/** Why a process fault cannot run without a local environment, e.g. `redis-crash needs --env local (…)`. */
export function needsLocalReason(faultName: string, owned: OwnedProcess): string {
  return `${faultName} needs --env local (the harness must own the ${owned} process)`;
}

/** The environment's process control; plan validation already rejected environments without one. */
export function processesOf(ctx: FaultContext, faultName: string, owned: OwnedProcess): ProcessControl {
  const processes = ctx.env.processes;
  if (processes === undefined) throw new ConfigurationError(`--fault ${needsLocalReason(faultName, owned)}`);
  return processes;
}
