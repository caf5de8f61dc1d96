import type { RunClock } from '../history/clock.ts';
import type { OperationStream } from '../workload/workload.ts';
import type { OperationRunner } from './operation-runner.ts';
import { type LoadPhases, MAX_MEASURED_OPS, STOP_GRACE_MS, settleWithin } from './phases.ts';
import type { LoadOutcome } from './types.ts';

/**
 * Open-loop load: operation i is due at `start + i / rate`, whether or not earlier ones
 * finished. Latency counts from that intended start, so a slow system cannot hide its
 * queueing (coordinated omission corrected). A due operation that finds `maxInFlight`
 * operations outstanding is dropped and counted, as k6 counts dropped iterations.
 * One seeded stream drives the schedule; the history's client id is the in-flight
 * slot the operation ran in.
 */
export async function runOpenLoop(
  runner: OperationRunner,
  stream: OperationStream,
  rate: number,
  maxInFlight: number,
  clock: RunClock,
  phases: LoadPhases,
): Promise<LoadOutcome> {
  const freeSlots: number[] = [];
  for (let slot = maxInFlight - 1; slot >= 0; slot--) freeSlots.push(slot);
  const intervalMs = 1000 / rate;
  const startMs = performance.now();
  let due = 0;
  let droppedOps = 0;
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  const inFlight = new Set<Promise<void>>();

  const launch = (slot: number, intendedMs: number): void => {
    const work = runner.execute(slot, stream.kind, stream.key, clock.toClockNs(intendedMs)).then(() => {
      freeSlots.push(slot);
      inFlight.delete(work);
    });
    inFlight.add(work);
  };

  const tick = (): void => {
    timer = undefined;
    immediate = undefined;
    if (phases.isStopped) return;
    const nowMs = performance.now();
    let intendedMs = startMs + due * intervalMs;
    while (intendedMs <= nowMs && !phases.isStopped) {
      if (runner.issued >= MAX_MEASURED_OPS) {
        phases.stop('op-limit');
        return;
      }
      stream.next();
      const slot = freeSlots.pop();
      if (slot === undefined) {
        if (phases.isMeasuring) droppedOps++;
      } else {
        launch(slot, intendedMs);
      }
      due++;
      intendedMs = startMs + due * intervalMs;
    }
    const waitMs = intendedMs - performance.now();
    if (waitMs >= 1) timer = setTimeout(tick, Math.floor(waitMs));
    else immediate = setImmediate(tick);
  };

  const stopped = phases.start();
  tick();
  await stopped;
  clearTimeout(timer);
  if (immediate) clearImmediate(immediate);
  const finished = await settleWithin(Promise.all(inFlight), STOP_GRACE_MS);
  return {
    measuredMs: phases.measuredMs,
    stopReason: phases.stopReason,
    droppedOps,
    abandonedOps: finished ? 0 : runner.inFlight,
  };
}
