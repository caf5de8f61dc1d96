import type { ResolvedFault } from '../../chaos/index.ts';
import type {
  CommitEvidence,
  ConsistencyProbe,
  ConsistencyReport,
  FinalSnapshot,
  History,
  TracedStep,
} from '../../checker/types.ts';
import type { RunResult } from '../../reports/types.ts';
import type { ErrorPolicy, ReadFrom } from '../../strategies/types.ts';
import type { LoadModel } from '../drivers/types.ts';
import type { WorkloadSpec } from '../workload/workload.ts';

/** What one strategy run needs to know: the workload, the load, its phases, the strategy's settings, the faults. */
export interface RunOptions {
  workload: WorkloadSpec;
  load: LoadModel;
  durationMs: number;
  warmupMs: number;
  settleMs: number;
  seed: number;
  ttlSeconds: number;
  /** false: the strategy connects straight to Redis and MySQL (no fault can reach it). */
  viaProxy: boolean;
  /** Where the strategy's reads go (`--read-from`); unset = the primary. */
  readFrom?: ReadFrom;
  /** The load driver's registered name (bench/drivers/registry.ts). */
  driver: string;
  /** Write-behind flusher: interval between flushes and queued writes per batch. */
  flushIntervalMs: number;
  flushBatchSize: number;
  /** Options of the strategy's own mechanism (`delayMs`, `singleFlight`, …), as `--strategy-option` gives them. */
  strategyOptions?: Readonly<Record<string, string>>;
  /** Read every loaded key once through the strategy before the load, so the cache starts warm (cache patterns only). */
  warmCache: boolean;
  /** The application's error policy around the strategy's steps; unset = fail on every error. */
  errorPolicy?: ErrorPolicy;
  /** `--workers N`: application processes the workers driver starts (clients split among them). */
  workers?: number;
  /** The resolved fault plan, with ids; empty or absent for a calm run. */
  faultPlan?: readonly ResolvedFault[];
}

/** Where the run is, as its events tell subscribers. */
export type RunPhase = 'preparing' | 'load' | 'winding-down' | 'observing' | 'analysing';

/** What the live progress line shows, sampled from the running load. */
export interface ProgressSample {
  phase: 'warm-up' | 'measuring' | 'stopping';
  /** Milliseconds since the load started (warm-up included). */
  elapsedMs: number;
  /** Milliseconds since measurement started (0 during warm-up). */
  measuredMs: number;
  /** Measured operations completed so far. */
  ops: number;
  errors: number;
  /** Stale reads counted online with the checker's definition (the checker recounts them). */
  staleSoFar: number;
}

/** What a run tells its subscribers (progress, warnings): it never waits for them. */
export type RunEvent =
  | { type: 'phase'; phase: RunPhase }
  | { type: 'load-start'; sample: () => ProgressSample }
  | { type: 'load-stop' }
  | { type: 'warning'; message: string };

/**
 * What the one check of a run reads besides its history: the final snapshot, the step traces,
 * the probes, MySQL's record of its commits, and where the measured load ended. Saved next to
 * the history by `--keep-history`, so `npm run check` recomputes the result without services.
 */
export interface AnalysisInputs {
  snapshot: FinalSnapshot;
  steps: TracedStep[];
  probes: ConsistencyProbe[];
  commits: CommitEvidence;
  /** End of the measured load on the history clock, in ms. */
  runEndMs: number;
}

/** A finished run: the result document plus the history, the inputs and the report it was built from. */
export interface StrategyRun {
  result: RunResult;
  history: History;
  analysis: AnalysisInputs;
  report: ConsistencyReport;
}
