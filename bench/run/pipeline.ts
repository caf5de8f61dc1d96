import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster } from 'ioredis';
import type { AppProcessControl } from '../../chaos/index.ts';
import type {
  CommitEvidence,
  ConsistencyProbe,
  ConsistencyReport,
  FinalSnapshot,
} from '../../checker/types.ts';
import type { CpuBudget, ReplicationLag, RouteCost } from '../../reports/types.ts';
import type { Environment } from '../../services/types.ts';
import { defaultStrategyContext } from '../../strategies/defaults.ts';
import { cacheViewOf } from '../../strategies/registry.ts';
import type {
  CacheStrategy,
  CacheView,
  InvalidationRetrier,
  StrategyEntry,
  StrategyStats,
} from '../../strategies/types.ts';
import { LoadPhases, settleWithin } from '../drivers/phases.ts';
import { findDriver } from '../drivers/registry.ts';
import type { DriverOutcome } from '../drivers/types.ts';
import { RunClock } from '../history/clock.ts';
import { RunMetrics } from '../history/metrics.ts';
import { OperationRecorder } from '../history/operation-recorder.ts';
import { HistoryRecorder } from '../history/recorder.ts';
import { DEFAULT_STEP_CAPACITY, StepRing, sampleMaskFor } from '../history/step-trace.ts';
import { analyse } from './analyse.ts';
import { type BinlogStart, binlogStart, readCommitRecord } from './commit-record.ts';
import { CpuMeter } from './cpu-budget.ts';
import type { DirectConnections } from './direct.ts';
import { type RunFaults, runFaults } from './faults.ts';
import { InterruptWatch } from './interruption.ts';
import { loadItems, makePayload } from './load-items.ts';
import { readMysqlSettings } from './mysql-settings.ts';
import { ConsistencyProber } from './probes.ts';
import { RedisCommandCounter, type RedisCommandCounts } from './redis-commands.ts';
import { ReplicationLagSampler, summariseReplicationLag } from './replication-lag.ts';
import { buildRunResult, runId } from './result.ts';
import { measureRouteCost, routeOf } from './route-cost.ts';
import { takeSnapshot } from './snapshot.ts';
import type { AnalysisInputs, ProgressSample, RunEvent, RunOptions, StrategyRun } from './types.ts';

/** Concurrent reads that warm the cache, and the longest they may take. */
const WARM_CACHE_READERS = 32;
const WARM_CACHE_MAX_MS = 30_000;

/** Longest wait for the replica to apply the loaded rows before the run starts. */
const REPLICA_CATCH_UP_MS = 120_000;

/** Longest wait for a strategy's `drain()` before the snapshot is taken anyway. */
export const DRAIN_TIMEOUT_MS = 30_000;

/** What one strategy run needs besides the strategy. */
export interface RunContext {
  env: Environment;
  direct: DirectConnections;
  options: RunOptions;
  /**
   * Aborting stops the load early, or cuts the drain or the settle time short; the run still
   * checks and returns what ran, marked interrupted with the step the abort arrived in.
   */
  signal?: AbortSignal;
  /** Subscribes to the run's events (progress, warnings); called synchronously, never awaited. */
  onEvent?: (event: RunEvent) => void;
  /** Runs after the strategy started and before the load (the ceiling benchmark pre-warms the cache). */
  beforeLoad?: (strategy: CacheStrategy) => Promise<void>;
}

/** Everything {@link prepare} sets up for one run, and what the measurement hook fills in. */
interface PreparedRun {
  payload: Buffer;
  /** The replica's lag over the measured load, once the wind-down measured it (primary-replica topology). */
  replication?: ReplicationLag | undefined;
  clock: RunClock;
  tracer: StepRing;
  strategy: CacheStrategy;
  /** How the snapshot and the probes read this pattern's cache. */
  cacheView: CacheView;
  /** The background retries of failed invalidations (`--on-invalidation-error retry`), drained before the snapshot. */
  retrier: InvalidationRetrier | undefined;
  history: HistoryRecorder;
  metrics: RunMetrics;
  recorder: OperationRecorder;
  faults: RunFaults;
  phases: LoadPhases;
  /** Where MySQL's binary log stood before the load: its record of commits starts here. */
  commitStart: BinlogStart;
  /** The strategy's route and what Toxiproxy adds to a round trip, measured before the load. */
  route: RouteCost;
  mysqlSettings: Record<string, string>;
  /** CPU of the harness, the services, the application's worker processes and the machine over the measured window. */
  cpu: CpuMeter;
  /** The application's worker processes, once the workers driver attached them (`--workers`). */
  app?: AppProcessControl;
  /** Redis's own command counts over the measured window, and the connection it reads them on. */
  commands: { counter: RedisCommandCounter | undefined; close: () => void };
  /** Set when measurement begins; `lag` only with a replica. */
  measured: {
    startedAt: Date;
    statsAtStart: StrategyStats;
    prober: ConsistencyProber | undefined;
    lag?: ReplicationLagSampler;
  };
}

/** What the run observed after the load: the final state and the strategy's counters. */
interface Observation {
  probes: ConsistencyProbe[];
  snapshot: FinalSnapshot;
  commits: CommitEvidence;
  dbQueries: number;
  strategyConfig: Record<string, string | number | boolean | null>;
  /** The strategy's own counters over the measured load (degraded reads, retried invalidations, …). */
  strategyCounters: Record<string, number>;
  /** Redis's command counts over the measured load; absent when they could not be read. */
  redisCommands: RedisCommandCounts | undefined;
}

/**
 * Runs one strategy end to end, as named steps (Jepsen's `run!`): prepare (load the rows,
 * build the strategy), drive (the driver runs the load through warm-up and measurement; the
 * faults are healed on every way out), wind down (close what is still open as unknown, drain,
 * settle), observe (probes, final snapshot, MySQL's record of its commits), analyse (one check
 * of the history), assemble. An abort is watched over all of them, so the result says which
 * step it cut.
 */
export async function runStrategy(entry: StrategyEntry, context: RunContext): Promise<StrategyRun> {
  const emit = context.onEvent ?? (() => undefined);
  const watch = new InterruptWatch(context.signal);
  try {
    emit({ type: 'phase', phase: 'preparing' });
    const run = await prepare(entry, context);
    run.phases.onMeasure(() => watch.enter('load'));
    let outcome: DriverOutcome;
    let observation: Observation;
    try {
      emit({ type: 'phase', phase: 'load' });
      outcome = await drive(entry, run, context, watch);
      if (outcome.state === 'failed') throw outcome.error;
      emit({ type: 'phase', phase: 'winding-down' });
      const probes = await windDown(run, outcome, context, watch);
      watch.enter('snapshot');
      emit({ type: 'phase', phase: 'observing' });
      observation = await observe(run, probes, context, outcome.figures.workerStats);
    } finally {
      await run.strategy.close();
      run.commands.close();
    }
    watch.enter('analysis');
    emit({ type: 'phase', phase: 'analysing' });
    const analysis = analysisInputs(run, observation, outcome);
    const report = analyse(run.history.toHistory(), analysis);
    return assemble(entry, context, run, outcome, observation, report, analysis, watch);
  } finally {
    watch.dispose();
  }
}

/** Loads rows 1..keys and flushes the cache, builds the strategy, the recorder, the faults and the phases. */
async function prepare(entry: StrategyEntry, context: RunContext): Promise<PreparedRun> {
  const { options, env } = context;
  const { workload } = options;
  const payload = makePayload(workload.valueSize, options.seed);
  await loadItems(context.direct, workload.keys, payload, env.replica !== undefined);
  if (env.replica !== undefined && !(await env.replica.waitForCatchUp(REPLICA_CATCH_UP_MS))) {
    throw new Error(
      `the MySQL replica did not apply the loaded rows within ${REPLICA_CATCH_UP_MS / 1000}s: ${JSON.stringify(await env.replica.status())}`,
    );
  }
  const commitStart = await binlogStart(context.direct.pool);
  const warn = (message: string): void => context.onEvent?.({ type: 'warning', message });
  const route = routeOf(
    options.viaProxy,
    await measureRouteCost(env.endpoints).catch((error: unknown) => {
      warn(`could not measure what Toxiproxy adds: ${String(error)}`);
      return undefined;
    }),
  );
  const mysqlSettings = await readMysqlSettings(context.direct.pool).catch(() => ({}));
  const clock = new RunClock();
  const tracer = new StepRing(DEFAULT_STEP_CAPACITY, sampleMaskFor(workload.keys));
  const strategyContext = defaultStrategyContext(env.endpoints, {
    viaProxy: options.viaProxy,
    ...(options.readFrom === undefined ? {} : { readFrom: options.readFrom }),
    ttlSeconds: options.ttlSeconds,
    flushIntervalMs: options.flushIntervalMs,
    flushBatchSize: options.flushBatchSize,
    strategyOptions: options.strategyOptions ?? {},
    ...(options.errorPolicy === undefined ? {} : { errorPolicy: options.errorPolicy }),
    tracer,
    now: clock.now,
  });
  const strategy = await entry.factory(strategyContext);
  const commands = await redisCommandCounter(context.direct).catch(async (error: unknown) => {
    await strategy.close();
    throw error;
  });
  const history = new HistoryRecorder();
  const metrics = new RunMetrics(Math.max(0, Math.ceil(options.durationMs / 1000) - 1));
  const run: PreparedRun = {
    payload,
    clock,
    tracer,
    strategy,
    retrier: strategyContext.invalidationRetrier,
    history,
    metrics,
    recorder: new OperationRecorder(history, metrics, clock.now, workload.keys),
    faults: runFaults(
      options.faultPlan,
      env,
      clock.now,
      (event) => {
        history.recordFault(event);
        strategy.invalidator?.noteFault(event.id, event.phase, event.atNs);
      },
      warn,
      strategy.invalidator === undefined ? [] : [strategy.invalidator],
    ),
    phases: new LoadPhases(options.warmupMs, options.durationMs, context.signal),
    commitStart,
    cacheView: cacheViewOf(entry, options.strategyOptions ?? {}),
    route,
    mysqlSettings,
    cpu: new CpuMeter(() => ({ ...(env.processes?.pids() ?? {}), ...(run.app?.workerPids() ?? {}) })),
    commands,
    measured: { startedAt: new Date(), statsAtStart: strategy.stats(), prober: undefined },
  };
  run.phases.onMeasure(() => beginMeasurement(run, context));
  run.phases.onStop(() => {
    run.cpu.stop();
    run.commands.counter?.stop();
    run.measured.lag?.stopSampling();
  });
  return run;
}

/** The instant warm-up ends: the clock's origin, the faults' schedule and recording all start here. */
function beginMeasurement(run: PreparedRun, context: RunContext): void {
  const { durationMs } = context.options;
  run.clock.restart();
  run.strategy.invalidator?.resetLag();
  run.cpu.start();
  run.commands.counter?.start();
  run.faults.start();
  run.tracer.start();
  const recorder = run.recorder;
  const prober = new ConsistencyProber(
    context.direct,
    durationMs * 1e6,
    durationMs,
    (key) => recorder.latestOkVersion(key),
    run.cacheView,
  );
  const replica = context.env.replica;
  const replicaPool = context.direct.replica;
  const lag =
    replica === undefined || replicaPool === undefined
      ? undefined
      : new ReplicationLagSampler(replica, replicaPool, run.clock.now);
  run.measured = {
    startedAt: new Date(),
    statsAtStart: run.strategy.stats(),
    prober,
    ...(lag === undefined ? {} : { lag }),
  };
  run.recorder.onWriteOk = (op, key, completeNs, version) => {
    prober.onWriteOk(op, key, completeNs);
    lag?.onWriteOk(key, version, completeNs);
  };
  run.recorder.measuring = true;
}

/** Starts the strategy and lets the driver run the load; heals the faults on every way out. */
async function drive(
  entry: StrategyEntry,
  run: PreparedRun,
  context: RunContext,
  watch: InterruptWatch,
): Promise<DriverOutcome> {
  const { options } = context;
  const driver = findDriver(options.driver);
  try {
    await run.strategy.start?.();
    if (options.warmCache && entry.usesCache) await warmCache(run.strategy, options.workload.keys, context);
    await context.beforeLoad?.(run.strategy);
    context.onEvent?.({ type: 'load-start', sample: () => progressOf(run) });
    watch.enter('warm-up');
    try {
      return await driver.run({
        strategy: run.strategy,
        recorder: run.recorder,
        payload: run.payload,
        workload: options.workload,
        seed: options.seed,
        load: options.load,
        application: {
          strategy: entry.name,
          endpoints: context.env.endpoints,
          viaProxy: options.viaProxy,
          ...(options.readFrom === undefined ? {} : { readFrom: options.readFrom }),
          ttlSeconds: options.ttlSeconds,
          flushIntervalMs: options.flushIntervalMs,
          flushBatchSize: options.flushBatchSize,
          strategyOptions: options.strategyOptions ?? {},
          errorPolicy: options.errorPolicy,
          workers: options.workers ?? 1,
          standby: options.faultPlan?.some((fault) => fault.fault === 'app-crash') === true,
        },
        attachApplication: (app) => {
          run.app = app;
          run.faults.attachApp(app);
        },
        phases: run.phases,
        clock: run.clock,
      });
    } finally {
      context.onEvent?.({ type: 'load-stop' });
    }
  } finally {
    // Before drain and snapshot, and on every way out of the load (errors, Ctrl-C).
    await run.faults.heal();
  }
}

/**
 * Reads every loaded key once through the strategy, a few at a time, so the measured load
 * meets a warm cache as a service in production does. Bounded in time: what is not read by
 * then is left cold, and a warning says so.
 */
async function warmCache(strategy: CacheStrategy, keys: number, context: RunContext): Promise<void> {
  const deadline = performance.now() + WARM_CACHE_MAX_MS;
  let next = 1;
  const reader = async (): Promise<void> => {
    while (next <= keys && performance.now() < deadline && context.signal?.aborted !== true) {
      const key = next++;
      await strategy.read(key).catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: WARM_CACHE_READERS }, reader));
  if (next <= keys) {
    context.onEvent?.({
      type: 'warning',
      message: `cache warmed for ${next - 1} of ${keys} keys within ${WARM_CACHE_MAX_MS / 1000}s; the rest start cold`,
    });
  }
}

/** The live progress figures, the same for every driver. */
function progressOf(run: PreparedRun): ProgressSample {
  const { phases, metrics } = run;
  return {
    phase: phases.isStopped ? 'stopping' : phases.isMeasuring ? 'measuring' : 'warm-up',
    elapsedMs: phases.elapsedMs,
    measuredMs: phases.measuredMs,
    ops: metrics.reads + metrics.writes,
    errors: metrics.errors,
    staleSoFar: run.recorder.staleSoFar,
  };
}

/**
 * Stops recording, closes operations still open as unknown (`info`), collects the probes,
 * lets the strategy drain its background work (bounded) and waits the settle time. An abort
 * arriving during the drain or the settle time cuts it short.
 */
async function windDown(
  run: PreparedRun,
  outcome: DriverOutcome,
  context: RunContext,
  watch: InterruptWatch,
): Promise<ConsistencyProbe[]> {
  const warn = (message: string): void => context.onEvent?.({ type: 'warning', message });
  run.recorder.recording = false;
  run.tracer.stop();
  const closed = run.history.closeOpen(run.clock.now());
  if (outcome.figures.abandonedOps > 0) {
    warn(
      `${outcome.figures.abandonedOps} operations still in flight after the stop; ${closed} recorded as unknown (info)`,
    );
  }
  if (outcome.state === 'completed' && outcome.stopReason === 'op-limit') {
    warn('load stopped early: the history reached its operation limit');
  }
  const probes = (await run.measured.prober?.finish()) ?? [];
  // The faults are healed by now: the replica catches up on what the sampled writes wait for.
  const lagSamples = await run.measured.lag?.finish();
  run.replication =
    lagSamples === undefined
      ? undefined
      : summariseReplicationLag(lagSamples, context.options.readFrom ?? 'primary');
  const { strategy } = run;
  if (strategy.drain) {
    watch.enter('drain');
    const draining = strategy.drain().catch((error: unknown) => warn(`drain failed: ${String(error)}`));
    const drained = await settleWithin(Promise.race([draining, watch.stepCut]), DRAIN_TIMEOUT_MS);
    if (watch.during === 'drain') warn('drain cut short by the interrupt; snapshot taken anyway');
    else if (!drained) warn(`drain did not finish within ${DRAIN_TIMEOUT_MS / 1000}s; snapshot taken anyway`);
  }
  if (run.retrier !== undefined) {
    await run.retrier.drain(DRAIN_TIMEOUT_MS);
    const left = run.retrier.counters();
    if ((left.invalidationsAbandoned ?? 0) > 0) {
      warn(`${left.invalidationsAbandoned} failed invalidations were given up after their last retry`);
    }
  }
  watch.enter('settle');
  const settle = new AbortController();
  await Promise.race([
    sleep(context.options.settleMs, undefined, { signal: settle.signal }).catch(() => undefined),
    watch.stepCut,
  ]);
  settle.abort();
  return probes;
}

/** The final state of every key over the direct connections, MySQL's record of its commits, the strategy's counters. */
async function observe(
  run: PreparedRun,
  probes: ConsistencyProbe[],
  context: RunContext,
  workerStats: StrategyStats | undefined,
): Promise<Observation> {
  // Only written keys can diverge; a full snapshot of 1..keys would find nothing more.
  const snapshot = await takeSnapshot(
    context.direct,
    run.recorder.writtenKeys(),
    run.clock.now,
    run.cacheView,
  );
  const commits = await readCommitRecord(context.env.endpoints, run.commitStart);
  const redisCommands = await run.commands.counter?.finish();
  const stats = run.strategy.stats();
  const counters = countersSince(run.measured.statsAtStart, stats);
  // Worker processes ran the load (--workers): their strategies' work is added to this one's.
  for (const [name, value] of Object.entries(workerStats?.counters ?? {})) {
    counters[name] = (counters[name] ?? 0) + value;
  }
  return {
    probes,
    snapshot,
    commits,
    dbQueries: stats.dbQueries - run.measured.statsAtStart.dbQueries + (workerStats?.dbQueries ?? 0),
    strategyConfig: {
      ...run.strategy.describe().options,
      ...(context.options.workers === undefined ? {} : { workers: context.options.workers }),
    },
    strategyCounters: counters,
    redisCommands,
  };
}

/**
 * The counter of Redis's own command counts, on a connection of its own to the one Redis
 * node (direct, bypassing Toxiproxy); the direct connection's commands (the probes) are the
 * harness's and are subtracted.
 */
async function redisCommandCounter(
  direct: DirectConnections,
): Promise<{ counter: RedisCommandCounter | undefined; close: () => void }> {
  // A cluster's nodes change roles in a failover and replicas re-run their master's writes:
  // its counts are not measured (yet), and the result leaves `cache.commands` out.
  if (direct.redis instanceof Cluster) return { counter: undefined, close: () => undefined };
  const reader = direct.redis.duplicate();
  await reader.connect();
  return { counter: new RedisCommandCounter([reader], direct.redis), close: () => reader.disconnect() };
}

/** The strategy's own counters as differences over the measured load (a gauge, `…Max…`, `…Last…`, a percentile `…P50…`/`…P99…` or `…Samples`, is taken as is). */
function countersSince(start: StrategyStats, end: StrategyStats): Record<string, number> {
  const counters: Record<string, number> = {};
  for (const [name, value] of Object.entries(end.counters ?? {})) {
    counters[name] = /Max|Last|P50|P99|Samples/.test(name) ? value : value - (start.counters?.[name] ?? 0);
  }
  return counters;
}

/** Everything the one check reads besides the history (saved with `--keep-history` for `npm run check`). */
function analysisInputs(run: PreparedRun, observation: Observation, outcome: DriverOutcome): AnalysisInputs {
  return {
    snapshot: observation.snapshot,
    steps: run.tracer.toSteps(),
    probes: observation.probes,
    commits: observation.commits,
    runEndMs: Math.round(outcome.figures.measuredMs),
  };
}

/** The CPU budget over the operations the measured window completed. */
function cpuBudgetOf(run: PreparedRun): CpuBudget | undefined {
  const metrics = run.metrics.snapshot();
  return run.cpu.budget(metrics.reads + metrics.writes);
}

/** The result document, from the measurements only. */
function assemble(
  entry: StrategyEntry,
  context: RunContext,
  run: PreparedRun,
  outcome: DriverOutcome,
  observation: Observation,
  report: ConsistencyReport,
  analysis: AnalysisInputs,
  watch: InterruptWatch,
): StrategyRun {
  const { options, env } = context;
  const { startedAt } = run.measured;
  const history = run.history.toHistory();
  const result = buildRunResult({
    id: runId(startedAt, entry.name, options.seed),
    startedAt,
    options,
    strategy: entry.name,
    strategyConfig: observation.strategyConfig,
    strategyCounters: observation.strategyCounters,
    figures: outcome.figures,
    interrupted: watch.during !== undefined || outcome.state === 'interrupted',
    ...(watch.during !== undefined ? { interruptedDuring: watch.during } : {}),
    env: { kind: env.kind, versions: env.versions },
    faults: history.faults,
    metrics: run.metrics.snapshot(),
    dbQueries: observation.dbQueries,
    ...(observation.redisCommands === undefined ? {} : { redisCommands: observation.redisCommands }),
    report,
    route: run.route,
    mysqlSettings: run.mysqlSettings,
    cpu: cpuBudgetOf(run),
    topology: env.topology,
    ...(run.replication === undefined ? {} : { replication: run.replication }),
  });
  return { result, history, report, analysis };
}
