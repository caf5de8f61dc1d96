import type {
  AnomalyExample,
  ConsistencyNines,
  DivergentKey,
  LostWrite,
  VisibilityPoint,
  WindowMetrics,
} from '../checker/types.ts';

/**
 * Bump when a field changes meaning or disappears, or the shape grows a section readers must
 * know about; readers refuse versions they do not know. 3 added `repeats` (`--runs N`),
 * `thresholds`, `budget`, `run.plan` and `run.plannedDurationMs`; a version 2 result reads as a
 * version 3 one without them.
 */
export const SCHEMA_VERSION = 3;
/** The versions this cacheproof reads. */
export const READABLE_SCHEMA_VERSIONS: readonly number[] = [2, 3];

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
  /** The operations invoked inside this window alone; absent in results written before it was recorded. */
  inside?: WindowMetrics;
}

/**
 * Where and how the run ran. `versions` names each part (`cacheproof`, `node`, `redis`,
 * `mariadb`, `toxiproxy`); the rest is absent in results written before it was recorded.
 */
export interface RunEnvironment {
  kind: string;
  versions: Record<string, string>;
  /** The harness's arguments as given (`npm run bench -- …` without node and the script). */
  commandLine?: string[];
  /** `git rev-parse HEAD` of the checkout the harness ran from, with `-dirty` when it had changes. */
  gitCommit?: string;
  /** Logical CPUs of the machine. */
  cpus?: number;
  /** 1, 5 and 15 minute load averages when the run started. */
  loadAverage?: number[];
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

/** Round trips of one link (Redis or MySQL) direct and through Toxiproxy, in ms. */
export interface RouteLinkCost {
  directMs: { p50: number; p99: number };
  proxiedMs: { p50: number; p99: number };
  /** proxied − direct, of the medians and of the p99s. */
  addedMs: { p50: number; p99: number };
}

/** The route the strategy's connections took, and what Toxiproxy adds to a round trip (measured before the load). */
export interface RouteCost {
  viaProxy: boolean;
  /** Round trips per link and route in the calibration. */
  samples?: number;
  proxyAddedMs?: { redis: RouteLinkCost; mysql: RouteLinkCost };
}

/** CPU one process spent in the measured window. */
export interface ProcessCpu {
  /** User + system CPU time, ms. */
  cpuMs: number;
  /** cpuMs per operation completed in the window. */
  cpuMsPerOp: number;
  /** cpuMs / window: cores used on average. */
  cores: number;
}

/** The whole machine over the measured window (/proc/stat), and its load average at the end (/proc/loadavg). */
export interface MachineCpu {
  cores: number;
  /** 1 − idle − iowait. */
  busyShare: number;
  idleShare: number;
  iowaitShare: number;
  stealShare: number;
  /** 1, 5 and 15 minutes. */
  loadAverage: [number, number, number];
}

/** What the measured window cost in CPU, and whether the machine had any to spare (docs/definitions.md "CPU budget"). */
export interface CpuBudget {
  windowMs: number;
  /** Operations completed in the window (the denominator of cpuMsPerOp). */
  ops: number;
  /** `harness` always; `redis`, `mysql`, `toxiproxy` when the environment owns the processes. */
  processes: Record<string, ProcessCpu>;
  machine?: MachineCpu;
  saturated: boolean;
  /** Why it was saturated, one sentence each; empty when it was not. */
  saturation: string[];
}

/**
 * How far the MySQL replica was behind its primary during the measured load, measured two
 * ways (docs/definitions.md "Replication lag"). Present in the `primary-replica` topology.
 */
export interface ReplicationLag {
  topology: 'primary-replica';
  /** Which server answered the strategy's reads. */
  readFrom: 'primary' | 'replica';
  /** The replica's own `Seconds_Behind_Master` (whole seconds), read every `intervalMs`. */
  secondsBehindMaster: {
    intervalMs: number;
    samples: number;
    /** Samples where the replica reported NULL (its SQL thread stopped). */
    unknown: number;
    /** Status reads that failed. */
    failedReads: number;
    /** Of the known samples; null when there were none. */
    p50: number | null;
    max: number | null;
  };
  /** From a sampled ok write's completion until the replica held its version, in ms. */
  visibilityLagMs: {
    /** Writes sampled, including those never seen. */
    samples: number;
    /** Sampled writes the replica had not applied when the sampler stopped waiting. */
    notVisible: number;
    p50: number | null;
    p99: number | null;
    max: number | null;
  };
}

/** The single source of a run's results; the HTML report is a pure render of it. */
/**
 * The step a run was interrupted in (Ctrl-C): `preparing` (rows, strategy, warm cache; nothing
 * measured), `warm-up`, `load` (the measured load was cut), `drain` and `settle` (cut short:
 * background work may still have been pending at the snapshot), `snapshot` (the final state and
 * MySQL's record, read in full), `analysis`.
 */
export type InterruptedStep = 'preparing' | 'warm-up' | 'load' | 'drain' | 'settle' | 'snapshot' | 'analysis';

/**
 * How the interval of a metric over repeated runs was computed (docs/definitions.md "Repeated
 * runs and noise"): `runs` a bootstrap of the median over the runs (5 runs or more); `seconds` a
 * bootstrap over the runs' per-second samples, scaled to the median (fewer runs, metrics with a
 * per-second series); `range` the lowest and highest run (fewer runs, no per-second series).
 */
export type SpreadMethod = 'runs' | 'seconds' | 'range';

/** One metric over the repeated runs: the median and its interval. */
export interface MetricSpread {
  /** The median over the runs that measured it; null when none did. */
  median: number | null;
  /** The interval's ends at `repeats.level`; null when no run measured the metric. */
  lo: number | null;
  hi: number | null;
  method: SpreadMethod;
  /** Each run's value, in run order (null: that run could not measure it). */
  values: (number | null)[];
}

/** `--runs N`: the same (strategy, plan) run N times with one seed. */
export interface RepeatedRuns {
  /** Runs made. */
  count: number;
  /** The run (0-based) whose figures the rest of this result holds: the one of median goodput. */
  representative: number;
  /** Confidence level of every interval (0.95). */
  level: number;
  /** Bootstrap resamples per interval. */
  resamples: number;
  /** Per metric name (reports/metrics.ts): the median over the runs and its interval. */
  metrics: Record<string, MetricSpread>;
  /** Every run, each a whole single-run result as a run without --runs writes it. */
  runs: RunResult[];
}

/** A rule (`--threshold`, `--budget`) checked on a result: what held and what broke, k6 style. */
export interface RuleCheck {
  /** The rule as given, e.g. `write-behind:lostWrites<=50`. */
  rule: string;
  metric: string;
  held: boolean;
  /** The value judged: the median over the runs when repeated; null when not measured. */
  actual: number | null;
  /** What the run did, e.g. "staleReadRate is 0.00243682 (0.244%)". */
  detail: string;
}

export interface RunResult {
  schemaVersion: 2 | 3;
  run: {
    id: string;
    startedAt: string;
    durationMs: number;
    warmupMs: number;
    seed: number;
    strategy: string;
    strategyConfig: Record<string, string | number | boolean | null>;
    /**
     * The strategy's own counters over the measured load: `degradedReads` (served from MySQL
     * after a cache step failed), `invalidationsQueued` / `invalidationRetries` /
     * `invalidationsHealed` / `invalidationsAbandoned` (the retry policy), a pattern's own.
     * Absent in results written before it.
     */
    strategyCounters?: Record<string, number>;
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
      | {
          kind: 'open';
          rate: number;
          maxInFlight: number;
          droppedOps: number;
          /** `queue` (`--no-drop`): operations due while maxInFlight were outstanding waited instead of being dropped. Absent: `drop`. */
          overflow?: 'drop' | 'queue';
        };
    /** The load driver's registered name (`in-process`, `http`, …). */
    driver: string;
    viaProxy: boolean;
    /** The route and the proxy's measured cost; absent in results written before it was measured. */
    route?: RouteCost;
    /**
     * The system under test's layout and where reads went (`--db-topology`, `--read-from`);
     * absent in results written before topologies.
     */
    topology?: { db: string; cache: string; readFrom: 'primary' | 'replica' };
    /** MySQL's durability settings (innodb_flush_log_at_trx_commit, sync_binlog, …) as the server reported them. */
    mysqlSettings?: Record<string, string>;
    ttlSeconds: number;
    settleMs: number;
    /** The measured duration asked for (`--duration`); absent in results written before it was recorded. */
    plannedDurationMs?: number;
    /**
     * The fault plan's name: the `--fault` presets (a plan file by its base name) joined with
     * `+`, `calm` for none; a grid's column label. Absent in results written before it was recorded.
     */
    plan?: string;
    faults: FaultWindow[];
    interrupted: boolean;
    /** Where the interrupt arrived; absent when not interrupted (and in results written before it was added). */
    interruptedDuring?: InterruptedStep;
    env: RunEnvironment;
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
  cache: {
    hitRatio: number;
    hits: number;
    misses: number;
    /**
     * Calls per Redis command over the measured window, as Redis counted them (INFO
     * commandstats, every node), the harness's own commands subtracted. Absent in results
     * written before it was measured, or when Redis could not be read.
     */
    commands?: Record<string, number>;
    /** How `commands` was measured: nodes, what was subtracted, restarts seen. */
    commandsMeasuredBy?: string;
  };
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
  /** CPU per process and of the machine over the measured window; absent in older results. */
  cpu?: CpuBudget;
  /** `--runs N` with N > 1: every run, and per metric the median and its interval. */
  repeats?: RepeatedRuns;
  /** `--threshold` rules that apply to this result, each held or broken. */
  thresholds?: RuleCheck[];
  /** `--budget` rules (a grid cell), each held or broken. */
  budget?: RuleCheck[];
  /** The replica's measured lag, in the `primary-replica` topology. */
  replication?: ReplicationLag;
}
