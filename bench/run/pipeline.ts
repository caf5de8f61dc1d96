import { setTimeout as sleep } from 'node:timers/promises';
import { check } from '../../checker/index.ts';
import type { ConsistencyProbe, ConsistencyReport, FinalSnapshot, History } from '../../checker/types.ts';
import type { HttpDriverFigures, RunResult } from '../../reports/types.ts';
import type { Environment } from '../../services/types.ts';
import { DEFAULT_CLIENT_OPTIONS } from '../../strategies/defaults.ts';
import type { CacheStrategy, StrategyDescription, StrategyEntry } from '../../strategies/types.ts';
import type { BenchOptions } from '../cli/options.ts';
import type { ProgressSample } from '../cli/progress.ts';
import { runClosedLoop } from '../drivers/closed-loop.ts';
import { driveHttp } from '../drivers/http-load.ts';
import { startHttpService } from '../drivers/http-service.ts';
import { runOpenLoop } from '../drivers/open-loop.ts';
import { OperationRunner } from '../drivers/operation-runner.ts';
import { LoadControl, type LoadOutcome, settleWithin } from '../drivers/phases.ts';
import { RunMetrics } from '../history/metrics.ts';
import { HistoryRecorder } from '../history/recorder.ts';
import { DEFAULT_STEP_CAPACITY, StepRing, sampleMaskFor } from '../history/step-trace.ts';
import { createOperationStream } from '../workload/workload.ts';
import { RunClock } from './clock.ts';
import type { DirectConnections } from './direct.ts';
import { runFaults, withFaultAnalysis } from './faults.ts';
import { loadItems, makePayload } from './load-items.ts';
import { ConsistencyProber } from './probes.ts';
import { buildRunResult, runId } from './result.ts';
import { takeSnapshot } from './snapshot.ts';

/** Longest wait for a strategy's `drain()` before the snapshot is taken anyway. */
export const DRAIN_TIMEOUT_MS = 30_000;

/** What one strategy run needs besides the strategy. */
export interface RunContext {
  env: Environment;
  direct: DirectConnections;
  options: BenchOptions;
  /** Aborting stops the load early; the run still checks and returns what ran. */
  signal?: AbortSignal;
  /** Called once the load starts with a sampler for the live progress line. */
  onLoadStart?: (sample: () => ProgressSample) => void;
  /** Called when the load has stopped. */
  onLoadStop?: () => void;
  /** Things the user should know that are not errors (drain timed out, operations abandoned). */
  warn?: (message: string) => void;
  /** Runs after the strategy started and before the load (the ceiling benchmark pre-warms the cache). */
  beforeLoad?: (strategy: CacheStrategy) => Promise<void>;
}

/** A finished run: the result document plus the history and report it was built from. */
export interface StrategyRun {
  result: RunResult;
  history: History;
  report: ConsistencyReport;
}

/**
 * Runs one strategy end to end: load `--keys` rows and flush the cache, build the
 * strategy, drive warm-up then measured load, stop, close what is still open as unknown,
 * drain, settle, snapshot every key over the direct connections, check, build the result.
 */
export async function runStrategy(entry: StrategyEntry, context: RunContext): Promise<StrategyRun> {
  const { options, direct, env } = context;
  const warn = context.warn ?? (() => undefined);
  const { workload } = options;
  const payload = makePayload(workload.valueSize, options.seed);
  await loadItems(direct, workload.keys, payload);

  const clock = new RunClock();
  const tracer = new StepRing(DEFAULT_STEP_CAPACITY, sampleMaskFor(workload.keys));
  const strategy = await entry.factory({
    endpoints: env.endpoints,
    viaProxy: options.viaProxy,
    clients: { ...DEFAULT_CLIENT_OPTIONS },
    ttlSeconds: options.ttlSeconds,
    flushIntervalMs: options.flushIntervalMs,
    flushBatchSize: options.flushBatchSize,
    tracer,
    pause: undefined,
    now: clock.now,
  });

  const history = new HistoryRecorder();
  const faults = runFaults(options.faultPlan, env, clock.now, (event) => history.recordFault(event), warn);
  const metrics = new RunMetrics(Math.max(0, Math.ceil(options.durationMs / 1000) - 1));
  const runner = new OperationRunner(strategy, payload, history, metrics, clock.now, workload.keys);
  let prober: ConsistencyProber | undefined;
  let statsAtStart = strategy.stats();
  let startedAt = new Date();
  let loadStartMs = performance.now();
  const beginMeasurement = (): void => {
    clock.restart();
    faults.start();
    tracer.start();
    statsAtStart = strategy.stats();
    startedAt = new Date();
    prober = new ConsistencyProber(direct, options.durationMs * 1e6, options.durationMs);
    runner.onWriteOk = (op, key, completeNs) => prober?.onWriteOk(op, key, completeNs);
    runner.measuring = true;
  };
  const control = new LoadControl(options.warmupMs, options.durationMs, beginMeasurement, context.signal);
  const http =
    options.driver === 'http'
      ? // The service records through the runner's recorder, as the in-process driver does.
        await startHttpService(strategy, runner, { maxKey: workload.keys, measuring: false })
      : undefined;
  let httpFigures: HttpDriverFigures | null = null;

  let outcome: LoadOutcome;
  let snapshot: FinalSnapshot;
  let probes: ConsistencyProbe[] = [];
  let dbQueries: number;
  let description: StrategyDescription;
  try {
    await strategy.start?.();
    await context.beforeLoad?.(strategy);
    loadStartMs = performance.now();
    context.onLoadStart?.(() => {
      if (http !== undefined) {
        const elapsedMs = performance.now() - loadStartMs;
        return {
          phase: runner.measuring ? 'measuring' : 'warm-up',
          elapsedMs,
          measuredMs: runner.measuring ? Math.max(0, elapsedMs - options.warmupMs) : 0,
          ops: metrics.reads + metrics.writes,
          errors: metrics.errors,
          staleSoFar: runner.staleSoFar,
        };
      }
      return {
        phase: control.stopped ? 'stopping' : control.measuring ? 'measuring' : 'warm-up',
        elapsedMs: performance.now() - loadStartMs,
        measuredMs: control.measuredMs,
        ops: metrics.reads + metrics.writes,
        errors: metrics.errors,
        staleSoFar: runner.staleSoFar,
      };
    });
    try {
      if (http !== undefined) {
        const driven = await driveHttp(http, {
          workload,
          seed: options.seed,
          load: options.load,
          payload,
          warmupMs: options.warmupMs,
          durationMs: options.durationMs,
          ...(context.signal ? { signal: context.signal } : {}),
          onMeasure: beginMeasurement,
        });
        httpFigures = driven.figures;
        outcome = driven;
      } else
        outcome =
          options.load.kind === 'closed'
            ? await runClosedLoop(
                runner,
                Array.from({ length: options.load.clients }, (_, id) =>
                  createOperationStream(workload, options.seed, id),
                ),
                control,
              )
            : await runOpenLoop(
                runner,
                createOperationStream(workload, options.seed, 0),
                options.load.rate,
                options.load.maxInFlight,
                clock,
                control,
              );
    } finally {
      context.onLoadStop?.();
      // Before drain and snapshot, and on every way out of the load (errors, Ctrl-C).
      await faults.heal();
    }
    runner.recording = false;
    tracer.stop();
    const closed = history.closeOpen(clock.now());
    await http?.close();
    if (outcome.abandonedOps > 0) {
      warn(
        `${outcome.abandonedOps} operations still in flight after the stop; ${closed} recorded as unknown (info)`,
      );
    }
    if (outcome.stopReason === 'op-limit')
      warn('load stopped early: the history reached its operation limit');
    if (prober) probes = await prober.finish();
    if (strategy.drain) {
      const drained = await settleWithin(
        strategy.drain().catch((error: unknown) => warn(`drain failed: ${String(error)}`)),
        DRAIN_TIMEOUT_MS,
      );
      if (!drained) warn(`drain did not finish within ${DRAIN_TIMEOUT_MS / 1000}s; snapshot taken anyway`);
    }
    await sleep(options.settleMs);
    snapshot = await takeSnapshot(direct, workload.keys, clock.now);
    dbQueries = strategy.stats().dbQueries - statsAtStart.dbQueries;
    description = strategy.describe();
  } finally {
    await http?.close();
    await strategy.close();
  }

  const recorded = history.toHistory();
  const report = check(recorded, snapshot, { steps: tracer.toSteps(), probes });
  const result = buildRunResult({
    id: runId(startedAt, entry.name, options.seed),
    startedAt,
    measuredMs: outcome.measuredMs,
    warmupMs: options.warmupMs,
    seed: options.seed,
    strategy: entry.name,
    strategyConfig: description.options,
    workload,
    load: options.load,
    droppedOps: outcome.droppedOps,
    driver: options.driver,
    http: httpFigures ?? undefined,
    viaProxy: options.viaProxy,
    ttlSeconds: options.ttlSeconds,
    settleMs: options.settleMs,
    interrupted: outcome.stopReason === 'interrupted',
    env: { kind: env.kind, versions: env.versions },
    faults: recorded.faults,
    metrics: metrics.snapshot(),
    dbQueries,
    report,
  });
  return { result: withFaultAnalysis(result, recorded, options.faultPlan), history: recorded, report };
}
