import type { FaultEvent } from '../checker/types.ts';
import { messageOf } from '../kernel/index.ts';
import type { Environment, InvalidatorControl } from '../services/types.ts';
import { kindOf } from './plan.ts';
import { faultContext, healEverything } from './residual.ts';
import type { AppProcessControl, Fault, ResolvedFault } from './types.ts';

/** What the runner needs from the orchestration. */
export interface FaultRunOptions {
  env: Environment;
  /** The history clock, in ns. */
  now: () => number;
  /** Receives each fault's start (once it is in effect) and heal (once it is undone), in order. */
  onEvent: (event: FaultEvent) => void;
  /** When the load started, on the history clock (ns); plan offsets count from it. */
  loadStartNs: number;
  /** The application's worker processes, for app-crash (absent when the application runs in-process). */
  app?: AppProcessControl;
  /** The run's CDC invalidators in this process, which `invalidator-crash` kills; none by default. */
  invalidators?: readonly InvalidatorControl[];
}

/** A running fault plan. */
export interface FaultRun {
  /**
   * Resolves when every fault has started and healed (or after {@link healAll}); rejects with
   * the first fault that failed to start or heal (the runner then heals everything itself).
   */
  done: Promise<void>;
  /**
   * Cancels the faults not yet started and heals every started one, then sweeps the
   * environment (no toxic, every proxy enabled, every process running). Idempotent; call it
   * in `finally`, on Ctrl-C and on errors. Rejects only when the environment could not be healed.
   */
  healAll(): Promise<void>;
}

type Phase = 'pending' | 'starting' | 'active' | 'healing' | 'healed' | 'failed' | 'cancelled';

interface FaultInstance {
  id: string;
  entry: ResolvedFault;
  fault: Fault;
  phase: Phase;
  timer: NodeJS.Timeout | undefined;
  /** The start or heal in flight. */
  inFlight: Promise<void> | undefined;
}

function describeError(id: string, action: string, error: unknown): Error {
  const message = messageOf(error);
  return new Error(`fault ${id} failed to ${action}: ${message}`, { cause: error });
}

/**
 * Interprets a fault plan (Jepsen's nemesis interpreter): the only place in chaos/ that owns
 * timers. Each fault starts `at` ms after `loadStartNs` and heals `duration` ms after its planned
 * start (never before its start completed). Each fault carries the id its entry was given where
 * the plan was resolved (chaos/plan.ts `assignFaultIds`).
 */
export function startFaultPlan(plan: readonly ResolvedFault[], options: FaultRunOptions): FaultRun {
  const ctx = faultContext(options.env, options.app, options.invalidators);
  const nowMs = () => options.now() / 1e6;
  const loadStartMs = options.loadStartNs / 1e6;
  const instances: FaultInstance[] = [...plan]
    .sort((a, b) => a.at - b.at)
    .map((entry) => {
      const fault = kindOf(entry).create(entry.target, entry.params ?? {}, entry.id);
      return { id: entry.id, entry, fault, phase: 'pending', timer: undefined, inFlight: undefined };
    });

  const errors: Error[] = [];
  let stopped = false;
  let healing: Promise<void> | undefined;
  let settle: () => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    settle = () => (errors[0] === undefined ? resolve() : reject(errors[0]));
  });
  // The orchestration may await `done` only at the end; a rejection before then is not unhandled.
  done.catch(() => undefined);

  const emit = (instance: FaultInstance, phase: FaultEvent['phase']) =>
    options.onEvent({
      id: instance.id,
      name: instance.fault.name,
      kind: instance.fault.kind,
      target: instance.fault.target ?? '',
      params: instance.entry.params ?? {},
      phase,
      atNs: options.now(),
    });

  const settleIfFinished = () => {
    if (instances.every((i) => i.phase === 'healed' || i.phase === 'failed' || i.phase === 'cancelled'))
      settle();
  };

  const abort = (error: Error) => {
    errors.push(error);
    // A failed sweep is already among `errors`, so `done` reports it.
    healAll().catch(() => undefined);
  };

  const heal = (instance: FaultInstance) => {
    instance.timer = undefined;
    if (instance.phase !== 'active') return;
    instance.phase = 'healing';
    instance.inFlight = instance.fault.heal(ctx).then(
      () => {
        instance.phase = 'healed';
        emit(instance, 'heal');
        settleIfFinished();
      },
      (error: unknown) => {
        instance.phase = 'active';
        abort(describeError(instance.id, 'heal', error));
      },
    );
  };

  const start = (instance: FaultInstance) => {
    instance.timer = undefined;
    if (stopped || instance.phase !== 'pending') return;
    instance.phase = 'starting';
    instance.inFlight = instance.fault.start(ctx).then(
      () => {
        instance.phase = 'active';
        emit(instance, 'start');
        if (stopped) return;
        const healAtMs = loadStartMs + instance.entry.at + instance.entry.duration;
        instance.timer = setTimeout(() => heal(instance), Math.max(0, healAtMs - nowMs()));
      },
      async (error: unknown) => {
        instance.phase = 'failed';
        // Undo whatever part of the start went through (one of two toxics, say).
        await instance.fault.heal(ctx).catch(() => undefined);
        abort(describeError(instance.id, 'start', error));
      },
    );
  };

  function healAll(): Promise<void> {
    healing ??= (async () => {
      stopped = true;
      for (const instance of instances) {
        clearTimeout(instance.timer);
        instance.timer = undefined;
        if (instance.phase === 'pending') instance.phase = 'cancelled';
      }
      await Promise.allSettled(instances.map((i) => i.inFlight));
      for (const instance of instances) {
        if (instance.phase !== 'active') continue;
        try {
          await instance.fault.heal(ctx);
        } catch (error: unknown) {
          errors.push(describeError(instance.id, 'heal', error));
        }
      }
      let sweepError: Error | undefined;
      try {
        // The sweep also undoes any heal that failed above, so every started fault ends healed.
        await healEverything(ctx);
      } catch (error: unknown) {
        sweepError = describeError('sweep', 'heal the environment', error);
        errors.push(sweepError);
      }
      if (sweepError === undefined) {
        for (const instance of instances) {
          if (instance.phase === 'active') {
            instance.phase = 'healed';
            emit(instance, 'heal');
          }
        }
      }
      settle();
      if (sweepError !== undefined) throw sweepError;
    })();
    return healing;
  }

  for (const instance of instances) {
    instance.timer = setTimeout(
      () => start(instance),
      Math.max(0, loadStartMs + instance.entry.at - nowMs()),
    );
  }
  settleIfFinished();
  return { done, healAll };
}
