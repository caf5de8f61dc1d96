import type {
  AnomalyExample,
  ConsistencyNines,
  DivergentKey,
  LostWrite,
  VisibilityPoint,
  WindowMetrics,
} from '../checker/types.ts';

/** Bump when a field changes meaning or disappears; readers refuse other versions. */
export const SCHEMA_VERSION = 2;

/** Latency summary in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/** One second of the run. */
export interface TimelinePoint {
  second: number;
  /** Operations completed in this second, whatever their outcome. */
  ops: number;
  /** Of them, those that completed ok. */
  okOps: number;
  reads: number;
  writes: number;
  errors: number;
  staleReads: number;
  readP99Ms: number;
  writeP99Ms: number;
}

/** A fault as it happened, for the report's shaded windows (the checker's fault window summary). */
export interface FaultWindow {
  id: string;
  name: string;
  /** The plan's fault kind (`latency`, `redis-crash`, …); absent in results written before it was recorded. */
  kind?: string;
  target: string;
  startMs: number;
  /** null when the run ended before the heal was recorded. */
  healMs: number | null;
  params: Record<string, unknown>;
  /**
   * From the heal, ms until the run is back to its level before the fault for three seconds in
   * a row, within that level's noise (docs/definitions.md "Fault windows"); 0 with effect `none`;
   * null when that did not happen within the run.
   */
  recoveryMs?: number | null;
  /** What the fault did to the run (checker FaultEffect): none, recovered, not-recovered, not-healed, no-baseline. */
  effect?: string;
}

/**
 * autocannon's own figures for a run driven over HTTP (`--driver http`): measured at the
 * client, so they include HTTP parsing, JSON and the loopback socket, unlike `latency`,
 * which the service measures from a request's arrival to its response being written.
 */
export interface HttpDriverFigures {
  tool: 'autocannon';
  /** Connections autocannon kept open (closed loop: one per client). */
  connections: number;
  /** Open loop: target requests per second over all connections; null for closed loop. */
  overallRate: number | null;
  /** Seconds autocannon ran by its own clock (it stops on whole sample intervals). */
  durationSec: number;
  /** Completed requests per one-second sample. */
  requestsPerSec: { mean: number; stddev: number; min: number; max: number; p50: number };
  /** Response latency in milliseconds (autocannon records whole milliseconds), all status codes. */
  latencyMs: {
    mean: number;
    stddev: number;
    p50: number;
    p90: number;
    p99: number;
    p999: number;
    max: number;
  };
  /** Requests written to a socket. */
  sent: number;
  /** Responses received (any status). */
  completed: number;
  responses2xx: number;
  /** Responses with a status outside 2xx (503 = the strategy threw). */
  non2xx: number;
  /** Connection errors, timeouts included. */
  errors: number;
  timeouts: number;
  /** Responses per status code, e.g. { "200": 9850, "503": 3 }. */
  statusCodes: Record<string, number>;
  /** Mean response bytes per second. */
  bytesPerSec: number;
}

/** The single source of a run's results; the HTML report is a pure render of it. */
/**
 * The step a run was interrupted in (Ctrl-C): `preparing` (rows, strategy, warm cache; nothing
 * measured), `warm-up`, `load` (the measured load was cut), `drain` and `settle` (cut short:
 * background work may still have been pending at the snapshot), `snapshot` (the final state and
 * MySQL's record, read in full), `analysis`.
 */
export type InterruptedStep = 'preparing' | 'warm-up' | 'load' | 'drain' | 'settle' | 'snapshot' | 'analysis';

export interface RunResult {
  schemaVersion: typeof SCHEMA_VERSION;
  run: {
    id: string;
    startedAt: string;
    durationMs: number;
    warmupMs: number;
    seed: number;
    strategy: string;
    strategyConfig: Record<string, string | number | boolean | null>;
    workload: {
      name: string;
      readRatio: number;
      distribution: string;
      zipfConstant: number | null;
      keys: number;
      valueSize: number;
    };
    loadModel:
      | { kind: 'closed'; clients: number }
      | { kind: 'open'; rate: number; maxInFlight: number; droppedOps: number };
    /** The load driver's registered name (`in-process`, `http`, …). */
    driver: string;
    viaProxy: boolean;
    ttlSeconds: number;
    settleMs: number;
    faults: FaultWindow[];
    interrupted: boolean;
    /** Where the interrupt arrived; absent when not interrupted (and in results written before it was added). */
    interruptedDuring?: InterruptedStep;
    env: { kind: string; versions: Record<string, string> };
  };
  throughput: {
    /** Operations that completed ok per measured second: the headline. */
    goodput: number;
    /** Operations completed per measured second, whatever their outcome. */
    attemptedOpsPerSec: number;
    /** errors / (reads + writes). */
    errorRate: number;
    /** Operations completed ok. */
    okOps: number;
    reads: number;
    writes: number;
    errors: number;
    errorsByKind: Record<string, number>;
    timeline: TimelinePoint[];
  };
  /** Latencies of the operations that completed ok; those that failed or whose outcome is unknown apart. */
  latency: {
    read: LatencySummary;
    write: LatencySummary;
    failed: { read: LatencySummary; write: LatencySummary };
  };
  cache: { hitRatio: number; hits: number; misses: number };
  db: { queries: number };
  consistency: {
    valid: boolean;
    readsChecked: number;
    staleReads: number;
    /** staleReads / readsChecked (every ok read). */
    staleReadRate: number;
    /** Ok reads of a key an ok write of which had completed before the read (the reads that could be stale). */
    readsAfterWrite: number;
    /** staleReads / readsAfterWrite. */
    staleReadRateAfterWrite: number;
    staleness: { p50Ms: number; p99Ms: number; maxMs: number; maxVersionLag: number };
    visibility: VisibilityPoint[];
    divergentKeys: number;
    divergent: DivergentKey[];
    /** Ok writes whose version MySQL never committed, by its binary log; null when that record was unavailable. */
    lostWrites: number | null;
    /** How lostWrites was measured: `binlog`, or `unavailable: <why>`. */
    lostWritesMeasuredBy: string;
    lost: LostWrite[];
    /** Ok writes whose version is above MySQL's final row of the key: a lower bound of lost writes, always measured. */
    writesAboveFinalRow: number;
    nines: ConsistencyNines[];
    examples: AnomalyExample[];
  };
  /** Present when the run had fault windows: the metrics inside them and outside them. */
  faultWindows?: { inside: WindowMetrics; outside: WindowMetrics };
  /** Present when the run was driven over HTTP: autocannon's client-side figures. */
  http?: HttpDriverFigures;
}
