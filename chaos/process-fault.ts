import type { ProcessControl } from '../services/types.ts';
import { readParams, resolveTarget } from './params.ts';
import { processesOf } from './process-control.ts';
import type { FaultKind, FaultTarget, OwnedProcess } from './types.ts';

/** How a signal to one server process becomes a fault kind. */
export interface ProcessFaultDefinition {
  name: string;
  summary: string;
  /** The server the fault signals, and the process the harness must own for it. */
  target: FaultTarget;
  process: OwnedProcess;
  /** The fault in words, e.g. `redis-server killed (SIGKILL), restarted at heal`. */
  describe: string;
  start(processes: ProcessControl): Promise<void>;
  /** Undoes `start`; must be harmless when `start` did nothing or half of it. */
  heal(processes: ProcessControl): Promise<void>;
}

/**
 * Builds a process fault kind (crash, pause) from its two actions. Two faults on the same
 * process must not overlap: the first heal would undo the other.
 */
export function processFaultKind(definition: ProcessFaultDefinition): FaultKind {
  const targets: readonly FaultTarget[] = [definition.target];
  const { name, process } = definition;
  return {
    name,
    summary: definition.summary,
    targets,
    params: {},
    needsProcess: process,
    exclusiveResource: () => `process ${definition.target}`,
    create(target, raw) {
      resolveTarget(name, targets, target);
      readParams(raw, {});
      return {
        name,
        kind: name,
        target: definition.target,
        describe: () => definition.describe,
        start: (ctx) => definition.start(processesOf(ctx, name, process)),
        heal: (ctx) => definition.heal(processesOf(ctx, name, process)),
      };
    },
  };
}
