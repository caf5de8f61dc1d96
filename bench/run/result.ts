import type { ConsistencyReport, FaultEvent } from '../../checker/types.ts';
import {
  type FaultWindow,
  type HttpDriverFigures,
  type RunResult,
  SCHEMA_VERSION,
  type TimelinePoint,
} from '../../reports/types.ts';
import type { LoadModel } from '../cli/options.ts';
import type { MetricsSnapshot } from '../history/metrics.ts';
import type { WorkloadSpec } from '../workload/workload.ts';

/** Everything one strategy run measured, gathered for {@link buildRunResult}. */
export interface RunRecord {
  id: string;
  startedAt: Date;
  measuredMs: number;
  warmupMs: number;
  seed: number;
  strategy: string;
  strategyConfig: Record<string, string | number | boolean | null>;
  workload: WorkloadSpec;
  load: LoadModel;
  droppedOps: number;
  driver: 'in-process' | 'http';
  /** autocannon's own figures when the http driver ran. */
  http?: HttpDriverFigures | undefined;
  viaProxy: boolean;
  ttlSeconds: number;
  settleMs: number;
  interrupted: boolean;
  env: { kind: string; versions: Record<string, string> };
  faults: readonly FaultEvent[];
  metrics: MetricsSnapshot;
  dbQueries: number;
  report: ConsistencyReport;
}

/** Builds the result.json document (reports/types.ts, schema version 1) from measurements only. */
export function buildRunResult(record: RunRecord): RunResult {
  const { metrics, report, workload } = record;
  const ops = metrics.reads + metrics.writes;
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
      durationMs: Math.round(record.measuredMs),
      warmupMs: record.warmupMs,
      seed: record.seed,
      strategy: record.strategy,
      strategyConfig: record.strategyConfig,
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
        record.load.kind === 'closed'
          ? { kind: 'closed', clients: record.load.clients }
          : {
              kind: 'open',
              rate: record.load.rate,
              maxInFlight: record.load.maxInFlight,
              droppedOps: record.droppedOps,
            },
      driver: record.driver,
      viaProxy: record.viaProxy,
      ttlSeconds: record.ttlSeconds,
      settleMs: record.settleMs,
      faults: faultWindows(record.faults),
      interrupted: record.interrupted,
      env: record.env,
    },
    throughput: {
      opsPerSec: record.measuredMs > 0 ? round(ops / (record.measuredMs / 1000), 1) : 0,
      reads: metrics.reads,
      writes: metrics.writes,
      errors: metrics.errors,
      errorsByKind: metrics.errorsByKind,
      timeline,
    },
    latency: { read: metrics.read, write: metrics.write },
    cache: {
      hitRatio: served > 0 ? round(metrics.cacheHits / served, 6) : 0,
      hits: metrics.cacheHits,
      misses: metrics.cacheMisses,
    },
    db: { queries: record.dbQueries },
    consistency: {
      valid: report.valid,
      readsChecked: report.stale.readsChecked,
      staleReads: report.stale.staleReads,
      staleReadRate: report.stale.staleReadRate,
      staleness: {
        p50Ms: report.stale.ageP50Ms,
        p99Ms: report.stale.ageP99Ms,
        maxMs: report.stale.ageMaxMs,
        maxVersionLag: report.stale.maxVersionLag,
      },
      visibility: report.visibility,
      divergentKeys: report.divergentKeys.length,
      divergent: report.divergentKeys,
      lostWrites: report.lostWrites.length,
      lost: report.lostWrites,
      nines: report.nines,
      examples: report.examples,
    },
    ...(record.http === undefined ? {} : { http: record.http }),
  };
}

/** Pairs each fault's start with its heal (by id); a fault never healed has `healMs: null`. */
export function faultWindows(events: readonly FaultEvent[]): FaultWindow[] {
  const windows = new Map<string, FaultWindow>();
  for (const event of events) {
    if (event.phase === 'start') {
      windows.set(event.id, {
        id: event.id,
        name: event.name,
        target: '',
        color: event.color,
        startMs: event.atNs / 1e6,
        healMs: null,
        params: {},
      });
    } else {
      const window = windows.get(event.id);
      if (window) window.healMs = event.atNs / 1e6;
    }
  }
  return [...windows.values()];
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
