/**
 * Types the checker reads and returns. The checker is pure: no I/O, no timers.
 * Times are monotonic nanoseconds from the start of the run, stored as float64
 * (exact up to ~104 days). Versions are per-key integers >= 1; 0 means "absent".
 */

/** Operation kind codes in {@link History.kind}. */
export const OP_READ = 0;
export const OP_WRITE = 1;

/** Outcome codes in {@link History.outcome}: ok, fail (definitely did not happen), info (unknown). */
export const OUTCOME_OK = 0;
export const OUTCOME_FAIL = 1;
export const OUTCOME_INFO = 2;

/** Read source codes in {@link History.source}. */
export const SOURCE_NONE = 0;
export const SOURCE_CACHE = 1;
export const SOURCE_DB = 2;

/** The version a read reports when the key was absent. */
export const VERSION_ABSENT = 0;

/**
 * A recorded history, column by column (typed arrays; no object per operation).
 * Row i is operation i; only the first `length` rows are valid. Arrays may be longer.
 * `version`: for a read the version returned (0 = absent); for an ok write the version
 * written; for a fail/info write the version if known, else -1.
 */
export interface History {
  length: number;
  client: Uint16Array;
  kind: Uint8Array;
  key: Uint32Array;
  invokeNs: Float64Array;
  completeNs: Float64Array;
  outcome: Uint8Array;
  version: Float64Array;
  source: Uint8Array;
  /** Error kind index per row (0 = none) into {@link History.errorKinds}. */
  error: Uint8Array;
  /** Error kind names; index 0 is ''. */
  errorKinds: string[];
  faults: FaultEvent[];
}

/** A fault's start or heal, recorded in the history. */
export interface FaultEvent {
  /** Unique per fault instance in a run, e.g. "redis-latency#1". */
  id: string;
  /** What the fault is, e.g. `redis-latency`, `mysql-partition`, `redis-crash`. */
  name: string;
  /** The fault kind of the plan (`latency`, `partition`, `redis-crash`, …). */
  kind: string;
  /** The link or server it acts on (`redis`, `mysql`; empty for calm). */
  target: string;
  /** The plan entry's parameters, as given. */
  params: Record<string, unknown>;
  phase: 'start' | 'heal';
  atNs: number;
}

/**
 * A traced strategy step given to the checker for worked examples (same shape as the
 * strategies' StepEvent; the checker imports nothing outside its folder).
 */
export interface TracedStep {
  step: string;
  key: number;
  version: number;
  at: number;
  opId: number;
}

/** Final state of one key after load stops, drain returns and the settle time passes. */
export interface KeySnapshot {
  key: number;
  /** Version in MySQL (0 = no row). */
  dbVersion: number;
  /** Version in the cache, or 0 when the cache has no entry. */
  cacheVersion: number;
}

/** Final state of every key that matters (at least every key the history touched). */
export interface FinalSnapshot {
  keys: KeySnapshot[];
  /** When the snapshot was taken, ns on the history clock. */
  takenAtNs: number;
}

/** One stale read (docs/definitions.md). */
export interface StaleRead {
  op: number;
  key: number;
  versionRead: number;
  /** Highest version completed ok before the read was invoked. */
  latestVersion: number;
  /** Read invoke minus completion of the first write with a version above the one read. */
  ageNs: number;
  /** latestVersion - versionRead. */
  lag: number;
}

export interface StaleReadSummary {
  staleReads: number;
  /** Reads with outcome ok considered by the check. */
  readsChecked: number;
  /** staleReads / readsChecked (0 without reads). */
  staleReadRate: number;
  /** Ok reads of a key an ok write of which had completed before the read: the reads that could be stale. */
  readsAfterWrite: number;
  /** staleReads / readsAfterWrite (0 without such reads). */
  staleReadRateAfterWrite: number;
  ageP50Ms: number;
  ageP99Ms: number;
  ageMaxMs: number;
  maxVersionLag: number;
}

/** A t-visibility point: of reads issued between fromMs and toMs after the latest write completed, this share saw it. */
export interface VisibilityPoint {
  fromMs: number;
  toMs: number;
  reads: number;
  visibleShare: number;
}

export interface DivergentKey {
  key: number;
  dbVersion: number;
  cacheVersion: number;
  /** 'cache-older': stale entry; 'cache-newer': a write MySQL never got. */
  kind: 'cache-older' | 'cache-newer';
}

export interface LostWrite {
  op: number;
  key: number;
  version: number;
  finalDbVersion: number;
}

/**
 * MySQL's own record of what it committed, independent of the strategy: every row image of
 * `items` in the binary log since before the load, as parallel columns (key i was committed
 * at version i). `unavailable` says why there is none (an external server without binlog access).
 */
export type CommitEvidence =
  | { source: 'binlog'; key: number[]; version: number[] }
  | { source: 'unavailable'; reason: string };

/** How the report's lost writes were measured. */
export type LostWriteMeasure = { by: 'binlog' } | { by: 'unavailable'; reason: string };

/** Per-second counts, index = second since run start. */
export interface AnomalySeries {
  /** Stale reads invoked in each second. */
  staleReads: number[];
}

/** A worked example: the anomaly and the operations plus traced steps that explain it. */
export interface AnomalyExample {
  kind: 'stale-read' | 'divergent-key' | 'lost-write';
  key: number;
  description: string;
  operations: ExampleOperation[];
  steps: ExampleStep[];
}

export interface ExampleOperation {
  op: number;
  client: number;
  kind: 'read' | 'write';
  invokeMs: number;
  completeMs: number;
  outcome: 'ok' | 'fail' | 'info';
  version: number;
  source: 'cache' | 'db' | null;
}

export interface ExampleStep {
  step: string;
  key: number;
  version: number;
  atMs: number;
  op: number;
}

/** What `check` returns: everything the result's `consistency` section needs. */
export interface ConsistencyReport {
  valid: boolean;
  stale: StaleReadSummary;
  visibility: VisibilityPoint[];
  divergentKeys: DivergentKey[];
  /** Ok writes whose version MySQL never committed (by the binlog); empty when not measured. */
  lostWrites: LostWrite[];
  lostWritesMeasuredBy: LostWriteMeasure;
  /** Ok writes whose version is above MySQL's final row of the key (a lower bound of lost writes). */
  writesAboveFinalRow: LostWrite[];
  series: AnomalySeries;
  examples: AnomalyExample[];
  /** Consistency nines from the probes given in {@link CheckOptions.probes} (empty without probes). */
  nines: ConsistencyNines[];
  /** Inside / outside the fault windows and recovery, when asked for and the history has faults; else null. */
  faultWindows: FaultWindowReport | null;
}

/**
 * Consistency-nines probe (after Meta's Polaris): `delayMs` after write `op` completed, the
 * harness read the key from cache and then MySQL; `consistent` is true when the cache had no
 * entry or one at least as new as the newest version completed ok before the cache read.
 */
export interface ConsistencyProbe {
  op: number;
  key: number;
  delayMs: number;
  /** false when the cache held an entry older than the newest version completed ok before the cache read. */
  consistent: boolean;
  /** MySQL's row was below that newest version while the cache was not: write-behind's flush lag, not an inconsistency. */
  flushLag?: boolean;
}

/** Share of probed writes consistent at each delay. */
export interface ConsistencyNines {
  delayMs: number;
  /** Sampled writes probed at this delay. */
  probes: number;
  inconsistent: number;
  /** Share of the probes that were consistent (each sampled write weighs the same). */
  consistentShare: number;
  /** Distinct keys probed. */
  keys: number;
  /** Mean over the probed keys of each key's consistent share (each key weighs the same: hot keys do not dominate). */
  keyWeightedShare: number;
  /** Probes that found MySQL behind a cache that was not (write-behind's flush lag). */
  flushLagged: number;
}

/** Options of `check`; every field is optional. */
export interface CheckOptions {
  /** Traced strategy steps, used only to explain the worked examples. */
  steps?: TracedStep[];
  /** Consistency-nines probes taken by the harness. */
  probes?: ConsistencyProbe[];
  /** MySQL's record of its commits, for lost writes (absent: lost writes are reported unmeasured). */
  commits?: CommitEvidence;
  /** Worked examples kept per anomaly kind (default 3). */
  maxExamplesPerKind?: number;
  /** Ascending t-visibility bucket edges in ms; an open last bucket is implied (default 0, 1, 2, 5 … 10000). */
  visibilityBucketsMs?: number[];
  /**
   * Analyse the history's fault windows (inside vs outside, recovery): the end of the measured
   * load on the history clock, and the error kind of operations closed unanswered at the stop.
   */
  faultWindows?: { runEndMs: number; unansweredErrorKind?: string };
}

/**
 * What a fault did to the run (docs/definitions.md "Convergence time"): `none`, it never took
 * the run off its level before the fault; `recovered` within the run; `not-recovered`;
 * `not-healed` before the run ended; `no-baseline`, no calm second before it to compare with.
 */
export type FaultEffect = 'none' | 'recovered' | 'not-recovered' | 'not-healed' | 'no-baseline';

/** One fault's window on the history clock, in ms, with what the plan said of it. */
export interface FaultWindowSummary {
  id: string;
  name: string;
  kind: string;
  target: string;
  params: Record<string, unknown>;
  startMs: number;
  /** null when the run ended before the heal was recorded. */
  healMs: number | null;
  /** From the heal, ms until the run was back to its level before the fault (docs/definitions.md); null when not within the run. */
  recoveryMs: number | null;
  effect: FaultEffect;
  /** The operations invoked inside this window alone (the same fields as `FaultWindowReport.inside`). */
  inside?: WindowMetrics;
}

/** The fault window breakdown of a run with faults. */
export interface FaultWindowReport {
  windows: FaultWindowSummary[];
  inside: WindowMetrics;
  outside: WindowMetrics;
}

/** Operations and anomalies of one side of the fault windows (inside them, or outside them). */
export interface WindowMetrics {
  /** Measured time on this side, in ms (the union of the fault windows, or the rest of the run). */
  durationMs: number;
  /** Operations invoked on this side. */
  ops: number;
  reads: number;
  writes: number;
  /** Operations that did not complete ok (not counting those still open when the run stopped). */
  errors: number;
  /** Operations invoked on this side that completed ok. */
  okOps: number;
  /** okOps per second of this side's time: the goodput. */
  goodput: number;
  /** ops per second of this side's time, whatever their outcome. */
  attemptedOpsPerSec: number;
  /** errors / (ops less those still open at the stop); 0 without operations. */
  errorRate: number;
  /** Nearest-rank percentiles of the ok operations' invoke-to-completion time, in ms (0 without operations). */
  latency: { read: { p50Ms: number; p99Ms: number }; write: { p50Ms: number; p99Ms: number } };
  /** The same, of the operations that failed or whose outcome is unknown. */
  failedLatency: { p50Ms: number; p99Ms: number };
  readsChecked: number;
  staleReads: number;
  staleReadRate: number;
}
