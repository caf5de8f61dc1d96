import type { AnomalyExample } from '../../checker/types.ts';

/** What an operation of a scenario does. `flush` runs the strategy's `drain()` (write-behind's flusher). */
export type OperationKind = 'read' | 'write' | 'flush';

/**
 * A fault event the explorer places at every step boundary: `redis-restart` kills
 * redis-server and starts it again empty; `writer-crash` kills the scenario's first write
 * where it stands (an application crash: it takes no further step and its outcome is unknown).
 */
export type FaultKind = 'redis-restart' | 'writer-crash';

/** Whether the key starts with its cache entry filled (`warm`) or without one (`cold`). */
export type CacheStart = 'warm' | 'cold';

/** A small list of operations on one key, optionally with one fault event. */
export interface Scenario {
  name: string;
  summary: string;
  operations: readonly OperationKind[];
  fault?: FaultKind;
  cache: CacheStart;
}

/** One participant of a schedule: an operation, work a write deferred, or the fault event (one step). */
export interface Participant {
  /** `op1 write`, `op2 read`, `op1 second delete`, `Redis restart`. */
  label: string;
  /** `deferred`: what operation `deferredOf` left to run later (the strategy's `deferredSteps`). */
  kind: OperationKind | FaultKind | 'deferred';
  /** For a fault: the participants it stops for good (a crashed writer and its deferred work). */
  stops: readonly number[];
  isFault: boolean;
  /** For deferred work: the operation that scheduled it. */
  deferredOf?: number;
}

/** Commands one step sent. */
export interface StepCommands {
  redis: number;
  db: number;
}

/** A traced strategy step inside one schedule step. */
export interface StepAction {
  step: string;
  version: number;
}

/** One step of a schedule as it ran. */
export interface ScheduleStep {
  participant: number;
  commands: StepCommands;
  /** The strategy steps (cache GET, DB write …) traced while it ran. */
  actions: StepAction[];
  /** Where the operation stopped: a pause point, `done`, `failed: …`, `crashed`, or the fault's effect. */
  endedAt: string;
}

/** One execution of one schedule, step by step (the explorer's view of the system under test). */
export interface Execution<TOutcome> {
  /** Participants that can take a step now (not finished, fault not yet fired). */
  enabled(): number[];
  step(participant: number): Promise<ScheduleStep>;
  /** After the last step: settle (drain), observe, check. */
  finish(): Promise<TOutcome>;
}

/** What the enumerator explores: the participants and a way to start a fresh execution. */
export interface ExplorationSpec<TOutcome> {
  participants: readonly Participant[];
  begin(): Promise<Execution<TOutcome>>;
}

/** The kinds of anomaly the checker reports, as the explorer names them. */
export type AnomalyKind = 'stale-read' | 'stale-cache' | 'cache-newer' | 'lost-write';

/** What one schedule left behind: the observations and the checker's verdict on them. */
export interface ScheduleOutcome {
  /** Per read of the scenario, in order: the version returned (0 = absent), or `info` (it threw or was cut off). */
  reads: (number | 'info')[];
  /** Per write, in order: the version acknowledged, or `info`. */
  writes: (number | 'info')[];
  /** Final cache version (0 = no entry) and MySQL version, after the final drain. */
  cacheVersion: number;
  dbVersion: number;
  /** Acknowledged versions above MySQL's final version (the checker's lost writes). */
  lostWrites: number[];
  anomalies: AnomalyKind[];
  /** The checker's worked examples for this schedule (drawn for the shortest schedule of each anomaly). */
  examples: AnomalyExample[];
}

/** One distinct outcome and how many schedules led to it. */
export interface OutcomeCount {
  /** Stable text of the observations (reads, writes, final versions, lost writes, anomalies). */
  signature: string;
  outcome: ScheduleOutcome;
  schedules: number;
  /** The shortest schedule producing it (fewest steps; the first explored on a tie). */
  shortest: ScheduleStep[];
}

/** What exploring one strategy on one scenario found. */
export interface ExplorationResult {
  strategy: string;
  /** The strategy options explored with (`--strategy-option`; {} = the pattern's defaults). */
  options: Record<string, string | number | boolean>;
  scenario: string;
  participants: Participant[];
  schedules: number;
  schedulesWithAnomaly: number;
  /** Branches of the schedule tree a reduction cut (never run; see bench/explore/enumerate.ts). */
  reducedBranches: number;
  outcomes: OutcomeCount[];
  /** Per anomaly kind, the shortest schedule producing it. */
  shortestByAnomaly: { kind: AnomalyKind; outcome: number; steps: ScheduleStep[] }[];
  elapsedMs: number;
  /** Set when the scenario had more schedules than the bound and was not explored (in a matrix). */
  tooLarge?: string;
}
