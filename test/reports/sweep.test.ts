import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatSweepTable,
  medianOf,
  renderSweepReport,
  SWEEP_CHARTS,
  type SweepFigures,
  type SweepResult,
  sweepFigures,
} from '../../reports/sweep.ts';
import { makeResult } from '../fixtures/make-result.ts';

function figures(overrides: Partial<SweepFigures>): SweepFigures {
  return {
    goodput: 1000,
    staleReadRate: 0,
    staleReads: 0,
    divergentKeys: 0,
    lostWrites: 0,
    readP99Ms: 2,
    writeP99Ms: 3,
    dbQueriesPerOp: 0.5,
    redisCommandsPerOp: 2,
    hitRatio: 0.9,
    ...overrides,
  };
}

/** Two values of delayMs, two rounds each: the second value's runs differ so medians are checkable. */
function fixture(): SweepResult {
  return {
    schemaVersion: 1,
    createdAt: '2026-12-02T14:00:00.000Z',
    strategy: 'delayed-double-delete',
    vary: 'delayMs',
    varyKind: 'strategy-option',
    values: ['0', '<200>'],
    seed: 7,
    plan: 'calm',
    workload: 'ycsb-a',
    durationMs: 2000,
    runs: 2,
    commandLine: ['npm', 'run', 'bench:sweep', '--', '--vary', 'delayMs=0,<200>'],
    interrupted: false,
    points: [
      {
        value: '0',
        runs: [
          {
            round: 1,
            file: 'delayMs=0/run-1/result.json',
            interrupted: false,
            figures: figures({ staleReadRate: 0.02, goodput: 900 }),
          },
          {
            round: 2,
            file: 'delayMs=0/run-2/result.json',
            interrupted: false,
            figures: figures({ staleReadRate: 0.04, goodput: 1100 }),
          },
        ],
      },
      {
        value: '<200>',
        runs: [
          {
            round: 1,
            file: 'delayMs=_200_/run-1/result.json',
            interrupted: false,
            figures: figures({ redisCommandsPerOp: 3, divergentKeys: 4 }),
          },
          {
            round: 2,
            file: 'delayMs=_200_/run-2/result.json',
            interrupted: true,
            figures: figures({ redisCommandsPerOp: null, divergentKeys: 6 }),
          },
        ],
      },
    ],
  };
}

test('medians leave out what was not measured', () => {
  assert.equal(medianOf([3, 1, 2]), 2);
  assert.equal(medianOf([4, null, 2]), 3);
  assert.equal(medianOf([null]), null);
});

test('a result becomes the figures a sweep keeps, per ok operation', () => {
  const result = makeResult({ strategy: 'cache-aside' });
  result.cache.commands = { get: result.throughput.okOps * 2, set: result.throughput.okOps };
  const f = sweepFigures(result);
  assert.equal(f.goodput, result.throughput.goodput);
  assert.equal(f.redisCommandsPerOp, 3);
  assert.equal(f.dbQueriesPerOp, result.db.queries / result.throughput.okOps);
  delete result.cache.commands;
  assert.equal(sweepFigures(result).redisCommandsPerOp, null);
});

test('the text table has one row per value with the medians over its runs', () => {
  const text = formatSweepTable(fixture());
  const lines = text.trimEnd().split('\n');
  assert.match(lines[0] as string, /delayed-double-delete · delayMs swept · seed 7 · plan calm/);
  const row0 = lines.find((line) => line.startsWith('delayMs=0 ')) as string;
  const row1 = lines.find((line) => line.startsWith('delayMs=<200>')) as string;
  assert.ok(row0 && row1, text);
  // Medians: goodput (900+1100)/2, stale rate (2%+4%)/2; the second value: keys stale (4+6)/2, Redis cmd/op of the one measured run.
  assert.match(row0, /\b1,000\b/);
  assert.match(row0, /3%/);
  assert.match(row1, /\b5\b/);
  assert.match(row1, /3\.00/);
});

test('the report is self-contained: a chart per metric against the values, the table, the runs, all escaped', () => {
  const page = renderSweepReport(fixture());
  for (const chart of SWEEP_CHARTS) assert.ok(page.includes(`data-chart-id="${chart.id}"`), chart.id);
  assert.equal(SWEEP_CHARTS.length, 6);
  const data = /<script type="application\/json" id="cacheproof-data">(.*?)<\/script>/s.exec(page)?.[1];
  assert.ok(data);
  const { charts } = JSON.parse(data) as {
    charts: { id: string; xCategories: string[]; series: { label: string; values: (number | null)[] }[] }[];
  };
  const stale = charts.find((c) => c.id === 'sweep-stale');
  assert.deepEqual(stale?.xCategories, ['0', '<200>']);
  assert.deepEqual(stale?.series[0]?.values, [0.03, 0]);
  // Two rounds: each run is a point series beside the median line.
  assert.equal(stale?.series.length, 3);
  const redis = charts.find((c) => c.id === 'sweep-redis');
  assert.deepEqual(redis?.series[0]?.values, [2, 3]);
  assert.doesNotMatch(page, /<200>/);
  assert.match(page, /&lt;200&gt;/);
  assert.doesNotMatch(page, /(src|href)="https?:/);
  assert.match(page, /href="delayMs=_200_\/run-2\/report\.html"/);
  assert.match(page, /round 2: .*\(interrupted\)/);
});
