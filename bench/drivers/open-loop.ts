import type { RunClock } from '../history/clock.ts';
import type { OperationStream } from '../workload/workload.ts';
import type { OperationRunner } from './operation-runner.ts';
import { type LoadPhases, MAX_MEASURED_OPS, STOP_GRACE_MS, settleWithin } from './phases.ts';
import type { LoadOutcome, OpenLoopOverflow } from './types.ts';

/** Shortest sleep of the scheduler: Node's timers do not fire sooner than 1 ms anyway. */
const MIN_TICK_MS = 1;

/**
 * Open-loop load, scheduled as wrk2 does: operation i is due at `start + i / rate`, whether
 * or not earlier ones finished. The scheduler sleeps until the next operation is due, then
 * launches every operation whose start has come (several per tick at high rates), so it
 * costs one timer per tick, not a spin. Latency counts from the intended start, so a slow
 * system or a late tick cannot hide its queueing (coordinated omission corrected).
 *
 * A due operation that finds `maxInFlight` operations outstanding is, with overflow `drop`,
 * dropped and counted (as k6 counts dropped iterations); with `queue`, it waits in a FIFO
 * and starts when one completes, its wait counted in its latency. One seeded stream drives
 * the schedule; the history's client id is the in-flight slot the operation ran in.
 */
export async function runOpenLoop(
  runner: OperationRunner,
  stream: OperationStream,
  rate: number,
  maxInFlight: number,
  clock: RunClock,
  phases: LoadPhases,
  overflow: OpenLoopOverflow = 'drop',
): Promise<LoadOutcome> {
  const freeSlots: number[] = [];
  for (let slot = maxInFlight - 1; slot >= 0; slot--) freeSlots.push(slot);
  const intervalMs = 1000 / rate;
  const startMs = performance.now();
  let due = 0;
  let droppedOps = 0;
  let timer: NodeJS.Timeout | undefined;
  const inFlight = new Set<Promise<void>>();
  // Queued operations (overflow `queue`): kind, key and intended start, in due order.
  const waiting: Array<{ kind: number; key: number; intendedMs: number }> = [];
  let waitingHead = 0;

  const launch = (slot: number, kind: number, key: number, intendedMs: number): void => {
    const work = runner.execute(slot, kind, key, clock.toClockNs(intendedMs)).then(() => {
      inFlight.delete(work);
      const next = waitingHead < waiting.length && !phases.isStopped ? waiting[waitingHead++] : undefined;
      if (next === undefined) {
        freeSlots.push(slot);
        return;
      }
      if (waitingHead > 4096 && waitingHead * 2 > waiting.length) {
        waiting.splice(0, waitingHead);
        waitingHead = 0;
      }
      launch(slot, next.kind, next.key, next.intendedMs);
    });
    inFlight.add(work);
  };

  const tick = (): void => {
    timer = undefined;
    if (phases.isStopped) return;
    const nowMs = performance.now();
    let intendedMs = startMs + due * intervalMs;
    while (intendedMs <= nowMs && !phases.isStopped) {
      if (runner.issued + (waiting.length - waitingHead) >= MAX_MEASURED_OPS) {
        phases.stop('op-limit');
        return;
      }
      stream.next();
      const slot = freeSlots.pop();
      if (slot !== undefined) launch(slot, stream.kind, stream.key, intendedMs);
      else if (overflow === 'queue') waiting.push({ kind: stream.kind, key: stream.key, intendedMs });
      else if (phases.isMeasuring) droppedOps++;
      due++;
      intendedMs = startMs + due * intervalMs;
    }
    timer = setTimeout(tick, Math.max(MIN_TICK_MS, intendedMs - performance.now()));
  };

  const stopped = phases.start();
  tick();
  await stopped;
  clearTimeout(timer);
  // Operations still queued at the stop never start: they are not in the history.
  waiting.length = 0;
  waitingHead = 0;
  const finished = await settleWithin(Promise.all(inFlight), STOP_GRACE_MS);
  return {
    measuredMs: phases.measuredMs,
    stopReason: phases.stopReason,
    droppedOps,
    abandonedOps: finished ? 0 : runner.inFlight,
  };
}
