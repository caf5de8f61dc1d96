import { faultSpansOf } from '../../checker/index.ts';
import type { ConsistencyReport, FaultEvent } from '../../checker/types.ts';
import {
  type CpuBudget,
  type InterruptedStep,
  type ReplicationLag,
  type RouteCost,
  type RunResult,
  SCHEMA_VERSION,
  type TimelinePoint,
} from '../../reports/types.ts';
import type { LoadFigures } from '../drivers/types.ts';
import type { MetricsSnapshot } from '../history/metrics.ts';
import type { RunOptions } from './types.ts';

/** Everything one strategy run measured, gathered for {@link buildRunResult}. */
export interface RunRecord {
  id: string;
  startedAt: Date;
  /** The run's settings: workload, load model, phases, driver, route, TTL. */
  options: RunOptions;
  strategy: string;
  strategyConfig: Record<string, string | number | boolean | null>;
  /** The strategy's own counters over the measured load. */
  strategyCounters?: Record<string, number>;
  /** How the load ran: measured time, dropped and abandoned operations, the driver's own figures. */
  figures: LoadFigures;
  interrupted: boolean;
  /** The step the interrupt arrived in, when interrupted. */
  interruptedDuring?: InterruptedStep;
  env: { kind: string; versions: Record<string, string> };
  /** The history's fault events (the report's windows come from the checker's analysis when present). */
  faults: readonly FaultEvent[];
  metrics: MetricsSnapshot;
  dbQueries: number;
  /** Redis's own command counts over the measured load (absent: not read). */
  redisCommands?: { commands: Record<string, number>; measuredBy: string };
  report: ConsistencyReport;
  /** The route and the proxy's measured cost (absent: not measured). */
  route?: RouteCost;
  mysqlSettings?: Record<string, string>;
  cpu?: CpuBudget;
  /** The environment's layout. */
  topology?: { db: string; cache: string };
  /** The replica's measured lag (primary-replica topology). */
  replication?: ReplicationLag;
}

/** Builds the result.json document (reports/types.ts, schema version 3) from measurements only. */
export function buildRunResult(record: RunRecord): RunResult {
  const { metrics, report, options, figures } = record;
  const { workload, load } = options;
  const measuredMs = figures.measuredMs;
  const ops = metrics.reads + metrics.writes;
  const okOps = ops - metrics.errors;
  const perSecond = (count: number): number => (measuredMs > 0 ? round(count / (measuredMs / 1000), 1) : 0);
  const served = metrics.cacheHits + metrics.cacheMisses;
  const timeline: TimelinePoint[] = metrics.timeline.map((second) => ({
    ...second,
    staleReads: report.series.staleReads[second.second] ?? 0,
  }));
  return {
    schemaVersion: SCHEMA_VERSION,
    run: {
      id: record.id,
      startedAt: record.startedAt.toISOString(),
      durationMs: Math.round(measuredMs),
      warmupMs: options.warmupMs,
      seed: options.seed,
      strategy: record.strategy,
      strategyConfig: record.strategyConfig,
      ...(record.strategyCounters === undefined || Object.keys(record.strategyCounters).length === 0
        ? {}
        : { strategyCounters: record.strategyCounters }),
      workload: {
        name: workload.name,
        readRatio: workload.readRatio,
        distribution: workload.distribution,
        zipfConstant:
          workload.distribution === 'zipfian' || workload.distribution === 'latest'
            ? workload.zipfConstant
            : null,
        keys: workload.keys,
        valueSize: workload.valueSize,
      },
      loadModel:
        load.kind === 'closed'
          ? { kind: 'closed', clients: load.clients }
          : {
              kind: 'open',
              rate: load.rate,
              maxInFlight: load.maxInFlight,
              droppedOps: figures.droppedOps,
              ...(load.overflow === 'queue' ? { overflow: 'queue' as const } : {}),
            },
      driver: options.driver,
      viaProxy: options.viaProxy,
      ...(record.route === undefined ? {} : { route: record.route }),
      ...(record.mysqlSettings === undefined ? {} : { mysqlSettings: record.mysqlSettings }),
      ...(record.topology === undefined
        ? {}
        : { topology: { ...record.topology, readFrom: options.readFrom ?? 'primary' } }),
      ttlSeconds: options.ttlSeconds,
      settleMs: options.settleMs,
      plannedDurationMs: options.durationMs,
      faults:
        report.faultWindows?.windows ??
        faultSpansOf(record.faults).map(({ recoveryMs: _notAnalysed, effect: _none, ...window }) => window),
      interrupted: record.interrupted,
      ...(record.interruptedDuring !== undefined ? { interruptedDuring: record.interruptedDuring } : {}),
      env: record.env,
    },
    throughput: {
      goodput: perSecond(okOps),
      attemptedOpsPerSec: perSecond(ops),
      errorRate: ops > 0 ? round(metrics.errors / ops, 6) : 0,
      okOps,
      reads: metrics.reads,
      writes: metrics.writes,
      errors: metrics.errors,
      errorsByKind: metrics.errorsByKind,
      timeline,
    },
    latency: { read: metrics.read, write: metrics.write, failed: metrics.failed },
    cache: {
      hitRatio: served > 0 ? round(metrics.cacheHits / served, 6) : 0,
      hits: metrics.cacheHits,
      misses: metrics.cacheMisses,
      ...(record.redisCommands === undefined
        ? {}
        : { commands: record.redisCommands.commands, commandsMeasuredBy: record.redisCommands.measuredBy }),
    },
    db: { queries: record.dbQueries },
    consistency: consistencyOf(report),
    ...faultWindowsOf(report),
    ...(figures.http === undefined ? {} : { http: figures.http }),
    ...(record.cpu === undefined ? {} : { cpu: record.cpu }),
    ...(record.replication === undefined ? {} : { replication: record.replication }),
  };
}

/** The result's consistency section, from the check's report alone. */
export function consistencyOf(report: ConsistencyReport): RunResult['consistency'] {
  const measured = report.lostWritesMeasuredBy;
  return {
    valid: report.valid,
    readsChecked: report.stale.readsChecked,
    staleReads: report.stale.staleReads,
    staleReadRate: report.stale.staleReadRate,
    readsAfterWrite: report.stale.readsAfterWrite,
    staleReadRateAfterWrite: report.stale.staleReadRateAfterWrite,
    staleness: {
      p50Ms: report.stale.ageP50Ms,
      p99Ms: report.stale.ageP99Ms,
      maxMs: report.stale.ageMaxMs,
      maxVersionLag: report.stale.maxVersionLag,
    },
    visibility: report.visibility,
    divergentKeys: report.divergentKeys.length,
    divergent: report.divergentKeys,
    lostWrites: measured.by === 'binlog' ? report.lostWrites.length : null,
    lostWritesMeasuredBy: measured.by === 'binlog' ? 'binlog' : `unavailable: ${measured.reason}`,
    lost: measured.by === 'binlog' ? report.lostWrites : report.writesAboveFinalRow,
    writesAboveFinalRow: report.writesAboveFinalRow.length,
    nines: report.nines,
    examples: report.examples,
  };
}

/** The result's fault-window section (absent for a calm run), from the check's report alone. */
export function faultWindowsOf(report: ConsistencyReport): Pick<RunResult, 'faultWindows'> {
  return report.faultWindows === null
    ? {}
    : { faultWindows: { inside: report.faultWindows.inside, outside: report.faultWindows.outside } };
}

/**
 * A result with every part the check computes replaced by `report`'s: the consistency
 * section, the fault windows and their recovery, each second's stale reads. What
 * `npm run check` recomputes from a saved run.
 */
export function withReport(result: RunResult, report: ConsistencyReport): RunResult {
  const { faultWindows: _previous, ...rest } = result;
  return {
    ...rest,
    run: { ...result.run, faults: report.faultWindows?.windows ?? result.run.faults },
    throughput: {
      ...result.throughput,
      timeline: result.throughput.timeline.map((point) => ({
        ...point,
        staleReads: report.series.staleReads[point.second] ?? 0,
      })),
    },
    consistency: consistencyOf(report),
    ...faultWindowsOf(report),
  };
}

/** The run id: UTC timestamp, strategy and seed, safe as a directory name. */
export function runId(startedAt: Date, strategy: string, seed: number): string {
  const stamp = startedAt
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${strategy}-s${seed}`;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
