import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AnomalyExample, ExampleOperation, ExampleStep } from '../../checker/types.ts';
import { explainExample } from '../../reports/race-cause.ts';

/**
 * The step traces below are literal: copied from `npm run races -- --out races.json` (each
 * scenario's `steps`, `at` in ms from its first step). Op 1000000 is the scenario's final read.
 */
type Trace = [step: string, version: number, op: number, atMs: number][];

const KEY = 7;

function stepsOf(trace: Trace): ExampleStep[] {
  return trace.map(([step, version, op, atMs]) => ({ step, key: KEY, version, op, atMs }));
}

/** The operations a trace's steps belong to (op -1, the background, is not one): first to last step. */
function operationsOf(
  trace: Trace,
  outcomes: Record<number, ExampleOperation['outcome']> = {},
): ExampleOperation[] {
  const ops = [...new Set(trace.map(([, , op]) => op).filter((op) => op >= 0))];
  return ops.map((op) => {
    const own = trace.filter(([, , o]) => o === op);
    const write = own.some(([step]) => step === 'db-write' || step === 'queue-push');
    const version = write
      ? Math.max(...own.filter(([step]) => step === 'db-write' || step === 'queue-push').map(([, v]) => v))
      : (own.find(([step]) => step === 'cache-get-hit' || step === 'db-read')?.[1] ?? 0);
    const hit = own.some(([step]) => step === 'cache-get-hit');
    return {
      op,
      client: op,
      kind: write ? 'write' : 'read',
      invokeMs: (own[0]?.[3] ?? 0) - 0.05,
      completeMs: (own[own.length - 1]?.[3] ?? 0) + 0.05,
      outcome: outcomes[op] ?? 'ok',
      version,
      source: write ? null : hit ? 'cache' : 'db',
    };
  });
}

function divergent(trace: Trace, outcomes?: Record<number, ExampleOperation['outcome']>): AnomalyExample {
  return {
    kind: 'divergent-key',
    key: KEY,
    description: '',
    operations: operationsOf(trace, outcomes),
    steps: stepsOf(trace),
  };
}

const olderCache = (cacheVersion: number, dbVersion: number) => ({
  divergent: [{ key: KEY, cacheVersion, dbVersion, kind: 'cache-older' as const }],
});

test('read refills between delete and update (delete-then-update)', () => {
  const trace: Trace = [
    ['cache-del', -1, 1, 0.0],
    ['db-write', 1, 1, 8.324],
    ['cache-del', -1, 2, 11.134],
    ['cache-get-miss', -1, 3, 12.065],
    ['db-read', 1, 3, 15.749],
    ['cache-set', 1, 3, 17.614],
    ['db-write', 2, 2, 23.648],
    ['cache-get-hit', 1, 1000000, 26.628],
  ];
  const cause = explainExample(divergent(trace), olderCache(1, 2));
  assert.equal(cause.kind, 'refill-between-delete-and-commit');
  assert.equal(
    cause.sentence,
    "A read (op 3) refilled the cache with v1 between the write's DEL and its MySQL commit of v2 (6.034 ms before the commit).",
  );
  assert.deepEqual(cause.ops, [2, 3]);
});

test('slow read sets the old value after write + delete (cache-aside, also with single-flight)', () => {
  const trace: Trace = [
    ['db-write', 1, 1, 0.0],
    ['cache-del', -1, 1, 1.076],
    ['cache-get-miss', -1, 2, 9.63],
    ['db-read', 1, 2, 12.101],
    ['db-write', 2, 3, 14.325],
    ['cache-del', -1, 3, 14.861],
    ['cache-set', 1, 2, 15.456],
    ['cache-get-hit', 1, 1000000, 15.852],
  ];
  const cause = explainExample(divergent(trace), olderCache(1, 2));
  assert.equal(cause.kind, 'late-fill-after-invalidation');
  assert.equal(
    cause.sentence,
    'A read (op 2) that had read v1 from MySQL before the commit set it in the cache 0.595 ms after the write of v2 (op 3) committed and deleted the entry.',
  );
  assert.deepEqual(cause.ops, [3, 2]);
});

test('slow read sets the old value after the invalidator deletes (cdc-invalidate, cdcAction=delete)', () => {
  const trace: Trace = [
    ['db-write', 1, 1, 0.0],
    ['binlog-event', 1, -1, 2.515],
    ['cache-del', -1, -1, 3.095],
    ['cache-get-miss', -1, 2, 17.758],
    ['db-read', 1, 2, 21.195],
    ['db-write', 2, 3, 24.236],
    ['binlog-event', 2, -1, 25.402],
    ['cache-del', -1, -1, 26.153],
    ['cache-set', 1, 2, 33.367],
    ['cache-get-hit', 1, 1000000, 34.718],
  ];
  const cause = explainExample(divergent(trace), olderCache(1, 2));
  assert.equal(cause.kind, 'late-fill-after-invalidation');
  assert.equal(
    cause.sentence,
    "A read (op 2) that had read v1 from MySQL before the commit set it in the cache 7.214 ms after the invalidator deleted the entry for v2's binlog event.",
  );
  assert.deepEqual(cause.ops, [3, 2, -1]);
});

test('two writes reach MySQL and the cache in opposite orders (write-through)', () => {
  const trace: Trace = [
    ['db-write', 1, 1, 0.0],
    ['cache-set', 1, 1, 0.51],
    ['db-write', 2, 2, 1.498],
    ['db-write', 3, 3, 2.45],
    ['cache-set', 3, 3, 2.937],
    ['cache-set', 2, 2, 3.339],
    ['cache-get-hit', 2, 1000000, 3.82],
  ];
  const cause = explainExample(divergent(trace), olderCache(2, 3));
  assert.equal(cause.kind, 'writes-reordered-in-cache');
  assert.equal(
    cause.sentence,
    "Two writes reached MySQL as v2, v3 and the cache as v3, v2: op 2's SET of v2 landed 0.402 ms after op 3's SET of v3.",
  );
  assert.deepEqual(cause.ops, [2, 3]);
});

test('fill slower than the second delete (delayed-double-delete, delayMs=100)', () => {
  const trace: Trace = [
    ['cache-del', -1, 1, 0.0],
    ['db-write', 1, 1, 1.714],
    ['cache-del', -1, 1, 102.101],
    ['cache-get-miss', -1, 2, 103.726],
    ['db-read', 1, 2, 105.426],
    ['cache-del', -1, 3, 106.829],
    ['db-write', 2, 3, 108.06],
    ['cache-del', -1, 3, 210.464],
    ['cache-set', 1, 2, 211.035],
    ['cache-get-hit', 1, 1000000, 211.396],
  ];
  const cause = explainExample(divergent(trace), olderCache(1, 2));
  assert.equal(cause.kind, 'late-fill-after-second-delete');
  assert.equal(
    cause.sentence,
    "A read (op 2) that had read v1 from MySQL set it 0.571 ms after the write's second delete (102.40 ms after its commit of v2): the fill took longer than the delay.",
  );
});

test('fill slower than the guard lives (versioned-set, tombstoneTtlMs=150)', () => {
  const trace: Trace = [
    ['db-write', 1, 1, 0.0],
    ['cache-del', 1, 1, 0.386],
    ['cache-get-miss', -1, 2, 0.688],
    ['db-read', 1, 2, 1.508],
    ['db-write', 2, 3, 2.272],
    ['cache-del', 2, 3, 2.624],
    ['cache-set', 1, 2, 454.467],
    ['cache-get-hit', 1, 1000000, 454.99],
  ];
  const cause = explainExample(divergent(trace), {
    ...olderCache(1, 2),
    strategyConfig: { tombstoneTtlMs: 150 },
  });
  assert.equal(cause.kind, 'late-fill-after-guard-expired');
  assert.equal(
    cause.sentence,
    'A read (op 2) that had read v1 from MySQL set it 451.84 ms after the write left tombstone v2, which lives 150 ms: the tombstone had expired, so nothing refused the old fill.',
  );
});

test('writer dies between the MySQL commit and the invalidation (cache-aside, versioned-set, lease)', () => {
  const traces: Record<string, Trace> = {
    'cache-aside': [
      ['db-write', 1, 1, 0.0],
      ['cache-del', -1, 1, 0.734],
      ['cache-get-miss', -1, 2, 1.26],
      ['db-read', 1, 2, 2.621],
      ['cache-set', 1, 2, 3.357],
      ['db-write', 2, 3, 4.412],
      ['cache-get-hit', 1, 1000000, 5.143],
    ],
    'versioned-set': [
      ['db-write', 1, 1, 0.0],
      ['cache-del', 1, 1, 2.162],
      ['cache-get-miss', -1, 2, 4.005],
      ['db-read', 1, 2, 6.267],
      ['cache-set', 1, 2, 15.443],
      ['db-write', 2, 3, 27.765],
      ['cache-get-hit', 1, 1000000, 39.15],
    ],
    lease: [
      ['db-write', 1, 1, 0.0],
      ['cache-del', -1, 1, 0.405],
      ['cache-get-miss', -1, 2, 0.843],
      ['db-read', 1, 2, 2.919],
      ['cache-set', 1, 2, 3.481],
      ['db-write', 2, 3, 5.173],
      ['cache-get-hit', 1, 1000000, 5.944],
    ],
  };
  for (const [strategy, trace] of Object.entries(traces)) {
    const cause = explainExample(divergent(trace, { 3: 'info' }), olderCache(1, 2));
    assert.equal(cause.kind, 'invalidation-never-ran', strategy);
    assert.equal(
      cause.sentence,
      'The write of v2 (op 3) committed to MySQL but never invalidated the cache (the write ended info after its commit, before its DEL), so the v1 entry set by op 2 stayed.',
      strategy,
    );
  }
});

test('read right after the write marks the entry deleted (tag-as-deleted, weak)', () => {
  const trace: Trace = [
    ['db-write', 1, 1, 0.0],
    ['cache-del', -1, 1, 0.838],
    ['cache-get-miss', -1, 2, 2.348],
    ['db-read', 1, 2, 4.233],
    ['cache-set', 1, 2, 5.208],
    ['db-write', 2, 3, 12.19],
    ['cache-del', -1, 3, 13.478],
    ['cache-get-hit', 1, 4, 14.437],
    ['db-read', 2, 4, 18.848],
    ['cache-set', 2, 4, 20.153],
  ];
  const operations = operationsOf(trace);
  const read = operations.find((o) => o.op === 4) as ExampleOperation;
  Object.assign(read, { version: 1, completeMs: 14.5, source: 'cache' });
  const example: AnomalyExample = {
    kind: 'stale-read',
    key: KEY,
    description: '',
    operations,
    steps: stepsOf(trace),
  };
  const cause = explainExample(example);
  assert.equal(cause.kind, 'marked-entry-served');
  assert.equal(
    cause.sentence,
    'The read hit v1 0.959 ms after the write of v2 marked the entry deleted: a marked entry is still served (weak mode) while it is refilled in the background.',
  );
  assert.deepEqual(cause.ops, [3, 4]);
});

test('read before the invalidator applies the write (cdc-invalidate lag)', () => {
  const trace: Trace = [
    ['db-write', 1, 1, 0.0],
    ['binlog-event', 1, -1, 3.88],
    ['cache-set', 1, -1, 4.154],
    ['cache-get-hit', 1, 2, 8.916],
    ['db-write', 2, 3, 11.078],
    ['binlog-event', 2, -1, 11.618],
    ['cache-get-hit', 1, 4, 12.333],
    ['cache-set', 2, -1, 13.455],
  ];
  const example: AnomalyExample = {
    kind: 'stale-read',
    key: KEY,
    description: '',
    operations: operationsOf(trace),
    steps: stepsOf(trace),
  };
  const cause = explainExample(example);
  assert.equal(cause.kind, 'invalidator-lag');
  assert.equal(
    cause.sentence,
    "The read hit v1 1.255 ms after v2 was committed, before the invalidator applied v2's binlog event (it did 1.122 ms after the read).",
  );
  assert.deepEqual(cause.ops, [3, -1, 4]);
});

test('Redis crashes before the flush (write-behind): the crash named with its distance from the ack', () => {
  const trace: Trace = [
    ['cache-set', 1, 1, 0.0],
    ['queue-push', 1, 1, 0.004],
    ['cache-set', 2, 2, 0.401],
    ['queue-push', 2, 2, 0.403],
    ['cache-set', 3, 3, 1.359],
    ['queue-push', 3, 3, 1.365],
  ];
  const operations = operationsOf(trace);
  // The races tool does not trace the crash itself: the scenario kills Redis after the third ack.
  const faults = [
    {
      id: 'redis-crash#1',
      name: 'redis-crash',
      kind: 'redis-crash',
      target: 'redis',
      startMs: 20.4,
      healMs: 70,
    },
  ];
  const example: AnomalyExample = {
    kind: 'lost-write',
    key: KEY,
    description: '',
    operations,
    steps: stepsOf(trace),
  };
  const cause = explainExample(example, {
    faults,
    lost: [{ op: 3, key: KEY, version: 3, finalDbVersion: 0 }],
  });
  assert.equal(cause.kind, 'lost-in-crash');
  assert.equal(
    cause.sentence,
    'Redis was killed 18.98 ms after v3 was acknowledged (redis-crash#1); the flusher had not read it from the queue, and the restart came back without it.',
  );
  assert.deepEqual(cause.faultIds, ['redis-crash#1']);
  assert.equal(
    explainExample(example, { lost: [{ op: 3, key: KEY, version: 3, finalDbVersion: 0 }] }).kind,
    'never-flushed',
  );
});

test('no steps traced: said so, not guessed', () => {
  const cause = explainExample({ kind: 'stale-read', key: 1, description: '', operations: [], steps: [] });
  assert.equal(cause.kind, 'unexplained');
  assert.match(cause.sentence, /^No step of this key was traced/);
});
