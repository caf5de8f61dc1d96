import type { HttpDriverFigures } from '../../reports/types.ts';
import type { AppProcessControl } from '../../services/types.ts';
import type { CacheStrategy, StrategyStats } from '../../strategies/types.ts';
import type { RunClock } from '../history/clock.ts';
import type { OperationRecorder } from '../history/operation-recorder.ts';
import type { WorkloadSpec } from '../workload/workload.ts';
import type { LoadPhases, StopReason } from './phases.ts';
import type { ApplicationSpec } from './worker-protocol.ts';

/**
 * Open loop, what happens to an operation due while `maxInFlight` are outstanding: `drop`
 * (counted in droppedOps) or `queue` (it starts when one completes; its wait is in its latency).
 */
export type OpenLoopOverflow = 'drop' | 'queue';

/** How load is offered: N clients back to back, or a target arrival rate. */
export type LoadModel =
  | { kind: 'closed'; clients: number }
  | { kind: 'open'; rate: number; maxInFlight: number; overflow?: OpenLoopOverflow };

/** What the pipeline hands a driver: everything it drives, records into and times by. */
export interface DriverInput {
  strategy: CacheStrategy;
  /** The one place operations are recorded (history row, metrics, live stale count). */
  recorder: OperationRecorder;
  /** Body of every write. */
  payload: Uint8Array;
  workload: WorkloadSpec;
  /** The run's seed: client i draws the operation stream (seed, i). */
  seed: number;
  load: LoadModel;
  /** The application as plain data, for drivers that build it in processes of their own (workers). */
  application?: ApplicationSpec;
  /** Warm-up → measure → stop, decided by the pipeline; the driver starts them and follows them. */
  phases: LoadPhases;
  /** A driver that runs the application in processes of its own hands them to the faults here (app-crash), before measurement. */
  attachApplication?: (app: AppProcessControl) => void;
  clock: RunClock;
}

/** What a load model reports of how the load ran. */
export interface LoadOutcome {
  /** Milliseconds from the start of measurement to the stop (0 if stopped during warm-up). */
  measuredMs: number;
  stopReason: StopReason;
  /** Open loop: measured operations that could not start on time. */
  droppedOps: number;
  /** Operations still in flight after the grace period. */
  abandonedOps: number;
}

/** The figures every outcome carries, plus the driver's own (autocannon's, over HTTP). */
export interface LoadFigures {
  measuredMs: number;
  droppedOps: number;
  abandonedOps: number;
  http?: HttpDriverFigures;
  /** Set when the strategy ran in worker processes: their strategies' work over the measured load, summed. */
  workerStats?: StrategyStats;
}

/** How a driver's load ended (a discriminated union on `state`). */
export type DriverOutcome =
  | { state: 'completed'; stopReason: 'duration' | 'op-limit'; figures: LoadFigures }
  | { state: 'interrupted'; figures: LoadFigures }
  | { state: 'failed'; error: Error; figures: LoadFigures };

/**
 * A load driver (k6's executors are the model): registered by name in drivers/registry.ts.
 * `run` starts the phases, drives the strategy until they stop, waits a grace period for
 * operations in flight, and returns; it never throws (a failure is an outcome).
 */
export interface LoadDriver {
  /** The name `--driver` spells. */
  readonly name: string;
  /** One line for `--help`. */
  readonly summary: string;
  /** Refuses a load model the driver cannot offer (ConfigurationError), before any service starts. */
  validate?(load: LoadModel): void;
  run(input: DriverInput): Promise<DriverOutcome>;
}

/** The outcome of a load model's run, with the driver's own figures. */
export function driverOutcome(
  outcome: LoadOutcome,
  http?: HttpDriverFigures,
  workerStats?: StrategyStats,
): DriverOutcome {
  const figures: LoadFigures = {
    measuredMs: outcome.measuredMs,
    droppedOps: outcome.droppedOps,
    abandonedOps: outcome.abandonedOps,
    ...(http === undefined ? {} : { http }),
    ...(workerStats === undefined ? {} : { workerStats }),
  };
  return outcome.stopReason === 'duration' || outcome.stopReason === 'op-limit'
    ? { state: 'completed', stopReason: outcome.stopReason, figures }
    : { state: 'interrupted', figures };
}

/** The outcome of a driver that failed: the load is stopped, and the figures are what ran. */
export function failedOutcome(error: Error, phases: LoadPhases): DriverOutcome {
  phases.stop('failed');
  return {
    state: 'failed',
    error,
    figures: { measuredMs: phases.measuredMs, droppedOps: 0, abandonedOps: 0 },
  };
}
