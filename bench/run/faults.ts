import {
  type FaultRun,
  findFaultKind,
  type PlannedFault,
  residualFaults,
  resolveFaultPlan,
  startFaultPlan,
} from '../../chaos/index.ts';
import { analyseFaultWindows } from '../../checker/fault-windows.ts';
import type { FaultEvent, History } from '../../checker/types.ts';
import { ConfigurationError, messageOf } from '../../kernel/index.ts';
import type { FaultWindow, RunResult } from '../../reports/types.ts';
import type { Environment } from '../../services/types.ts';
import type { BenchOptions } from '../cli/options.ts';
import { OPEN_AT_STOP } from '../history/recorder.ts';

/**
 * Resolves the `--fault` values into the run's plan, before any service starts: unknown
 * presets, bad plan files, process faults without a local environment and network faults
 * with `--direct` (which bypasses Toxiproxy) are ConfigurationErrors. Every strategy of a `--strategy all` run gets this same plan.
 */
export async function withFaultPlan(options: BenchOptions): Promise<BenchOptions> {
  const faultPlan = await resolveFaultPlan(
    options.faultSpecs ?? [],
    options.durationMs,
    options.seed,
    options.env !== 'external',
  );
  const network = faultPlan.find(
    (entry) => entry.fault !== 'calm' && !findFaultKind(entry.fault)?.needsProcess,
  );
  if (network !== undefined && !options.viaProxy) {
    throw new ConfigurationError(
      `--fault: '${network.fault}' acts through Toxiproxy, which --direct bypasses; drop --direct or the fault`,
    );
  }
  return { ...options, faultPlan };
}

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
}

/** Binds a plan to a run: its environment, its clock and its history. */
export function runFaults(
  plan: readonly PlannedFault[] | undefined,
  env: Environment,
  now: () => number,
  record: (event: FaultEvent) => void,
  warn: (message: string) => void,
): RunFaults {
  let run: FaultRun | undefined;
  let healing: Promise<void> | undefined;
  return {
    start() {
      if (plan === undefined || plan.length === 0 || run !== undefined) return;
      run = startFaultPlan(plan, { env, now, onEvent: record, loadStartNs: 0 });
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
        const residue = await residualFaults(env).catch((error: unknown) => [
          `could not check the environment: ${messageOf(error)}`,
        ]);
        if (residue.length > 0) warn(`faults left behind: ${residue.join('; ')}`);
      })();
      return healing;
    },
  };
}

/**
 * Completes a result with what the plan knows and the history shows: each fault window's
 * target, parameters and recovery time, and the metrics inside and outside the windows.
 * A result without fault windows is returned unchanged.
 */
export function withFaultAnalysis(
  result: RunResult,
  history: History,
  plan: readonly PlannedFault[] = [],
): RunResult {
  if (result.run.faults.length === 0) return result;
  const planned = plannedById(plan);
  const analysis = analyseFaultWindows(history, result.run.faults, {
    runEndMs: result.run.durationMs,
    unansweredErrorKind: OPEN_AT_STOP,
  });
  const faults: FaultWindow[] = result.run.faults.map((window, i) => {
    const entry = planned.get(window.id);
    return {
      ...window,
      target: entry?.target ?? window.target,
      params: entry?.params ?? window.params,
      recoveryMs: analysis.recoveryMs[i] ?? null,
    };
  });
  return {
    ...result,
    run: { ...result.run, faults },
    faultWindows: { inside: analysis.inside, outside: analysis.outside },
  };
}

/**
 * The plan's entries by the id the runner gives their faults (`<name>#<n>`, numbered per
 * name in start order), with the target the fault acts on.
 */
function plannedById(
  plan: readonly PlannedFault[],
): Map<string, { target: string; params: Record<string, unknown> }> {
  const counts = new Map<string, number>();
  const byId = new Map<string, { target: string; params: Record<string, unknown> }>();
  for (const entry of [...plan].sort((a, b) => a.at - b.at)) {
    const fault = findFaultKind(entry.fault)?.create(entry.target, entry.params ?? {}, 'naming');
    if (fault === undefined) continue;
    const n = (counts.get(fault.name) ?? 0) + 1;
    counts.set(fault.name, n);
    byId.set(`${fault.name}#${n}`, { target: fault.target ?? '', params: entry.params ?? {} });
  }
  return byId;
}
