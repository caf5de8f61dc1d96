import {
  type AppProcessControl,
  type FaultRun,
  type ResolvedFault,
  residualFaults,
  startFaultPlan,
} from '../../chaos/index.ts';
import type { FaultEvent } from '../../checker/types.ts';
import { messageOf } from '../../kernel/index.ts';
import type { Environment } from '../../services/types.ts';
import type { InvalidatorControl } from '../../strategies/types.ts';

/** The fault plan of one strategy run, as the orchestration drives it. */
export interface RunFaults {
  /** Starts the plan; its offsets count from now on the run clock (call right after the clock restarts). */
  start(): void;
  /**
   * Heals every started fault and sweeps the environment, then warns about anything left
   * behind. Idempotent, and never throws: problems become warnings, so it can sit in a
   * `finally` without hiding the error that got there.
   */
  heal(): Promise<void>;
  /**
   * Hands the faults the application's worker processes (the workers driver calls it once its
   * workers are ready, before measurement starts the plan); app-crash acts on them.
   */
  attachApp(app: AppProcessControl): void;
}

/** Binds a plan to a run: its environment, its clock and its history. */
export function runFaults(
  plan: readonly ResolvedFault[] | undefined,
  env: Environment,
  now: () => number,
  record: (event: FaultEvent) => void,
  warn: (message: string) => void,
  invalidators: readonly InvalidatorControl[] = [],
): RunFaults {
  let run: FaultRun | undefined;
  let healing: Promise<void> | undefined;
  let app: AppProcessControl | undefined;
  return {
    start() {
      if (plan === undefined || plan.length === 0 || run !== undefined) return;
      run = startFaultPlan(plan, {
        env,
        now,
        onEvent: record,
        loadStartNs: 0,
        ...(app === undefined ? {} : { app }),
        invalidators,
      });
    },
    attachApp(control) {
      app = control;
    },
    heal() {
      const started = run;
      if (started === undefined) return Promise.resolve();
      healing ??= (async () => {
        let healError: unknown;
        try {
          await started.healAll();
        } catch (error: unknown) {
          healError = error;
          warn(`healing the faults failed: ${messageOf(error)}`);
        }
        // `done` rejects with the first fault that failed to start or heal.
        await started.done.catch((error: unknown) => {
          if (error !== healError) warn(messageOf(error));
        });
        const residue = await residualFaults(env, app, invalidators).catch((error: unknown) => [
          `could not check the environment: ${messageOf(error)}`,
        ]);
        if (residue.length > 0) warn(`faults left behind: ${residue.join('; ')}`);
      })();
      return healing;
    },
  };
}
