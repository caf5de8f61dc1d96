import type { OperationStream } from '../workload/workload.ts';
import type { OperationRunner } from './operation-runner.ts';
import {
  type LoadPhases,
  MAX_MEASURED_OPS,
  STOP_GRACE_MS,
  settleWithin,
  yieldToEventLoop,
} from './phases.ts';
import type { LoadOutcome } from './types.ts';

/** Operations a client issues back to back before it yields to timers anyway. */
const YIELD_EVERY = 1024;

/**
 * Closed-loop load: one client per stream, each issuing its next operation when the
 * last one completed, until the phases stop. Latency counts from each actual start.
 */
export async function runClosedLoop(
  runner: OperationRunner,
  streams: readonly OperationStream[],
  phases: LoadPhases,
): Promise<LoadOutcome> {
  const client = async (id: number, stream: OperationStream): Promise<void> => {
    let sinceYield = 0;
    while (!phases.isStopped) {
      if (runner.issued >= MAX_MEASURED_OPS) {
        phases.stop('op-limit');
        break;
      }
      stream.next();
      const failed = await runner.execute(id, stream.kind, stream.key, Number.NaN);
      if (failed || ++sinceYield === YIELD_EVERY) {
        sinceYield = 0;
        await yieldToEventLoop();
      }
    }
  };
  const stopped = phases.start();
  const clients = Promise.all(streams.map((stream, id) => client(id, stream)));
  await stopped;
  const finished = await settleWithin(clients, STOP_GRACE_MS);
  return {
    measuredMs: phases.measuredMs,
    stopReason: phases.stopReason,
    droppedOps: 0,
    abandonedOps: finished ? 0 : runner.inFlight,
  };
}
