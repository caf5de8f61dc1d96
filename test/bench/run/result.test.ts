import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatMatrixTable, formatRunSummary } from '../../../bench/cli/summary.ts';
import type { MetricsSnapshot } from '../../../bench/history/metrics.ts';
import { runOptions } from '../../../bench/run/defaults.ts';
import { buildRunResult, type RunRecord, runId } from '../../../bench/run/result.ts';
import { faultSpansOf } from '../../../checker/index.ts';
import type { ConsistencyReport } from '../../../checker/types.ts';

const latency = { count: 4, p50: 1, p90: 2, p99: 3, p999: 4, max: 5, mean: 1.5 };

const metrics: MetricsSnapshot = {
  reads: 6000,
  writes: 4000,
  errors: 2,
  errorsByKind: { ETIMEDOUT: 2 },
  cacheHits: 4500,
  cacheMisses: 1500,
  read: latency,
  write: { ...latency, p99: 6 },
  failed: { read: { ...latency, count: 2 }, write: { ...latency, count: 0 } },
  timeline: [
    { second: 0, ops: 5000, okOps: 5000, reads: 3000, writes: 2000, errors: 0, readP99Ms: 3, writeP99Ms: 6 },
    { second: 1, ops: 5000, okOps: 4998, reads: 3000, writes: 2000, errors: 2, readP99Ms: 3, writeP99Ms: 6 },
  ],
};

const report: ConsistencyReport = {
  valid: false,
  stale: {
    staleReads: 3,
    readsChecked: 5998,
    staleReadRate: 3 / 5998,
    readsAfterWrite: 5000,
    staleReadRateAfterWrite: 3 / 5000,
    ageP50Ms: 1.5,
    ageP99Ms: 9,
    ageMaxMs: 9,
    maxVersionLag: 2,
  },
  visibility: [{ fromMs: 0, toMs: 1, reads: 10, visibleShare: 0.9 }],
  divergentKeys: [{ key: 7, dbVersion: 5, cacheVersion: 4, kind: 'cache-older' }],
  lostWrites: [],
  lostWritesMeasuredBy: { by: 'binlog' },
  writesAboveFinalRow: [],
  series: { staleReads: [1, 2] },
  examples: [],
  nines: [
    {
      delayMs: 100,
      probes: 20,
      inconsistent: 1,
      consistentShare: 0.95,
      keys: 10,
      keyWeightedShare: 0.9,
      flushLagged: 0,
    },
  ],
  faultWindows: null,
};

const record: RunRecord = {
  id: 'run-1',
  startedAt: new Date('2026-01-02T03:04:05.678Z'),
  options: runOptions({
    warmupMs: 500,
    seed: 9,
    workload: {
      name: 'ycsb-a',
      readRatio: 0.5,
      distribution: 'zipfian',
      zipfConstant: 0.99,
      keys: 100,
      valueSize: 64,
    },
    load: { kind: 'closed', clients: 8 },
    settleMs: 1000,
  }),
  strategy: 'cache-aside',
  strategyConfig: { mysqlPoolSize: 16 },
  figures: { measuredMs: 2000, droppedOps: 0, abandonedOps: 0 },
  interrupted: false,
  env: { kind: 'local', versions: { redis: '7.0.15' } },
  faults: [
    {
      id: 'lat#1',
      name: 'redis-latency',
      kind: 'latency',
      target: 'redis',
      params: { latencyMs: 20 },
      phase: 'start',
      atNs: 500e6,
    },
    {
      id: 'lat#1',
      name: 'redis-latency',
      kind: 'latency',
      target: 'redis',
      params: { latencyMs: 20 },
      phase: 'heal',
      atNs: 1500e6,
    },
    {
      id: 'cut#2',
      name: 'mysql-partition',
      kind: 'partition',
      target: 'mysql',
      params: {},
      phase: 'start',
      atNs: 1800e6,
    },
  ],
  metrics,
  dbQueries: 2500,
  report,
};

describe('buildRunResult', () => {
  it('fills every field from the measurements', () => {
    const result = buildRunResult(record);
    assert.equal(result.schemaVersion, 3);
    assert.equal(result.run.plannedDurationMs, record.options.durationMs);
    assert.equal(result.run.startedAt, '2026-01-02T03:04:05.678Z');
    assert.equal(result.run.durationMs, 2000);
    assert.deepEqual(result.run.loadModel, { kind: 'closed', clients: 8 });
    assert.equal(result.run.workload.zipfConstant, 0.99);
    assert.equal(result.run.faults.length, 2);
    assert.equal(result.throughput.goodput, 4999);
    assert.equal(result.throughput.attemptedOpsPerSec, 5000);
    assert.equal(result.throughput.errorRate, 0.0002);
    assert.equal(result.consistency.staleReadRateAfterWrite, 3 / 5000);
    assert.deepEqual(
      result.throughput.timeline.map((s) => s.staleReads),
      [1, 2],
    );
    assert.equal(result.cache.hitRatio, 0.75);
    assert.deepEqual(result.cache, { hitRatio: 0.75, hits: 4500, misses: 1500 });
    assert.deepEqual(result.db, { queries: 2500 });
    assert.deepEqual(result.latency.write.p99, 6);
    assert.equal(result.consistency.staleReads, 3);
    assert.deepEqual(result.consistency.staleness, { p50Ms: 1.5, p99Ms: 9, maxMs: 9, maxVersionLag: 2 });
    assert.equal(result.consistency.divergentKeys, 1);
    assert.equal(result.consistency.lostWrites, 0);
    assert.equal(result.consistency.lostWritesMeasuredBy, 'binlog');
    assert.deepEqual(result.consistency.nines, report.nines);
  });

  it("keeps the pattern's own counters, and leaves them out when it has none", () => {
    const withCounters = buildRunResult({
      ...record,
      strategyCounters: { cdcLagMaxMs: 12, leasesGranted: 3 },
    });
    assert.deepEqual(withCounters.run.strategyCounters, { cdcLagMaxMs: 12, leasesGranted: 3 });
    assert.match(formatRunSummary(withCounters), /^pattern {6}cdcLagMaxMs 12 · leasesGranted 3$/m);
    assert.equal(buildRunResult({ ...record, strategyCounters: {} }).run.strategyCounters, undefined);
  });

  it('reports lost writes as not measured, with the final-row count, when the binlog was unavailable', () => {
    const result = buildRunResult({
      ...record,
      report: {
        ...report,
        lostWritesMeasuredBy: { by: 'unavailable', reason: 'no binlog access' },
        writesAboveFinalRow: [{ op: 1, key: 2, version: 3, finalDbVersion: 2 }],
      },
    });
    assert.equal(result.consistency.lostWrites, null);
    assert.equal(result.consistency.lostWritesMeasuredBy, 'unavailable: no binlog access');
    assert.equal(result.consistency.writesAboveFinalRow, 1);
    assert.equal(result.consistency.lost.length, 1);
  });

  it('records the open-loop model with its dropped operations and no zipf constant for uniform keys', () => {
    const result = buildRunResult({
      ...record,
      options: {
        ...record.options,
        load: { kind: 'open', rate: 1000, maxInFlight: 64 },
        workload: { ...record.options.workload, distribution: 'uniform' },
      },
      figures: { ...record.figures, droppedOps: 17 },
    });
    assert.deepEqual(result.run.loadModel, { kind: 'open', rate: 1000, maxInFlight: 64, droppedOps: 17 });
    assert.equal(result.run.workload.zipfConstant, null);
  });

  it('pairs fault starts with heals', () => {
    assert.deepEqual(
      faultSpansOf(record.faults).map((w) => [w.id, w.startMs, w.healMs]),
      [
        ['lat#1', 500, 1500],
        ['cut#2', 1800, null],
      ],
    );
  });

  it('makes run ids from time, strategy and seed', () => {
    assert.equal(runId(new Date('2026-01-02T03:04:05.678Z'), 'db-only', 1), '20260102T030405Z-db-only-s1');
  });
});

describe('summaries', () => {
  it('prints the run summary', () => {
    const text = formatRunSummary(buildRunResult(record), 'out/result.json');
    assert.equal(
      text,
      [
        'verdict      cache-aside: 3 stale reads (0.05%), 1 key left stale for good; 4,999 ok ops/s.',
        '             3 reads of 5,998 (0.05%; 0.06% of the reads after a write) returned a version older than a write completed before they began: half were at most 1.500 ms old, p99 9.000 ms, the oldest 9.000 ms, at most 2 versions behind.',
        '             1 key was left stale in the cache after the run settled (older than MySQL); with TTL 0 (no expiry) nothing ends it but a later write of the key.',
        '             No db-only control ran beside it, so its cost is not relative to anything.',
        '             lat#1 (500ms–1.5s): recovery not analysed.',
        '             cut#2 (1.8s–end): recovery not analysed.',
        'cache-aside · ycsb-a (50% reads, zipfian 0.99, 100 keys, 64 B)',
        '  closed loop, 8 clients · 2s measured after 500ms warm-up · seed 9 · through Toxiproxy',
        'goodput      4999 ok ops/s · attempted 5000 ops/s · error rate 0.02%',
        '             6000 reads · 4000 writes · 2 errors (ETIMEDOUT 2)',
        'latency ms   read  p50 1.000 · p90 2.000 · p99 3.000 · p99.9 4.000 · max 5.000 · mean 1.500 (4 ops)',
        '             write p50 1.000 · p90 2.000 · p99 6.000 · p99.9 4.000 · max 5.000 · mean 1.500 (4 ops)',
        '  failed     read p50 1.000 · p90 2.000 · p99 3.000 · p99.9 4.000 · max 5.000 · mean 1.500 (2 ops)',
        '             write no operations',
        'cache        hit ratio 75.0% (4500 hits, 1500 misses) · db queries 2500',
        'consistency  stale reads 3 of 5998 (0.050%; 0.060% of 5000 reads after a write) · age p50 1.50 ms, p99 9.00 ms, max 9.00 ms · max lag 2',
        "             divergent keys 1 · lost writes 0 (by MySQL's binlog; 0 above MySQL's final row)",
        'nines 100ms  95.00% consistent (1 of 20 sampled writes not; 90.00% weighting each of 10 keys alike)',
        'fault        lat#1 on redis · started 0.50s, healed 1.50s',
        'fault        cut#2 on mysql · started 1.80s, never healed',
        'valid        ANOMALIES FOUND',
        'result       out/result.json',
        'report       out/report.html',
        '',
      ].join('\n'),
    );
  });

  it('prints the matrix table with one aligned row per strategy', () => {
    const consistent = buildRunResult({
      ...record,
      strategy: 'db-only',
      report: { ...report, valid: true, divergentKeys: [], stale: { ...report.stale, staleReads: 0 } },
    });
    const lines = formatMatrixTable([buildRunResult(record), consistent])
      .trimEnd()
      .split('\n');
    assert.equal(lines.length, 4);
    assert.match(
      lines[0] ?? '',
      /^strategy\s+goodput\s+errors\s+read p99 ms\s+write p99 ms\s+hit ratio\s+stale reads\s+divergent\s+lost\s+verdict$/,
    );
    assert.match(
      lines[2] ?? '',
      /^cache-aside\s+4999\s+0\.0%\s+3\.00\s+6\.00\s+75\.0%\s+3\s+1\s+0\s+ANOMALIES$/,
    );
    assert.match(
      lines[3] ?? '',
      /^db-only\s+4999\s+0\.0%\s+3\.00\s+6\.00\s+75\.0%\s+0\s+0\s+0\s+consistent$/,
    );
  });
});
