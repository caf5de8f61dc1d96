import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { findStaleReads, staleReadList, visibilityCurve } from '../../checker/index.ts';
import type { History, VisibilityPoint } from '../../checker/types.ts';
import { HistoryBuilder, ms, type Outcome } from './history-builder.ts';

const serialOps = fc.array(fc.record({ key: fc.integer({ min: 0, max: 4 }), write: fc.boolean() }), {
  minLength: 1,
  maxLength: 200,
});

interface SerialHistory {
  builder: HistoryBuilder;
  /** Per read op: key, version returned, invoke ms. */
  reads: Map<number, { key: number; version: number; invokeMs: number }>;
  /** Completion ms of each key's version. */
  completedAt: Map<string, number>;
}

/** A correct register used serially: each read returns the latest completed version. */
function serialHistory(
  ops: ReadonlyArray<{ key: number; write: boolean }>,
  lower?: { op: number; to: number },
): SerialHistory {
  const builder = new HistoryBuilder();
  const versions = new Map<number, number>();
  const reads: SerialHistory['reads'] = new Map();
  const completedAt = new Map<string, number>();
  ops.forEach(({ key, write }, i) => {
    const t = 2 * i;
    if (write) {
      const version = (versions.get(key) ?? 0) + 1;
      versions.set(key, version);
      builder.write(i % 7, key, t, t + 1, version);
      completedAt.set(`${key}:${version}`, t + 1);
    } else {
      const latest = versions.get(key) ?? 0;
      const version = lower?.op === i ? lower.to : latest;
      reads.set(builder.read(i % 7, key, t, t + 1, version), { key, version: latest, invokeMs: t });
    }
  });
  return { builder, reads, completedAt };
}

describe('checker properties', () => {
  it('finds no stale read in a serial history of a correct register, and every read sees the latest write', () => {
    fc.assert(
      fc.property(serialOps, (ops) => {
        const history = serialHistory(ops).builder.build();
        assert.equal(findStaleReads(history).count, 0);
        for (const point of visibilityCurve(history)) assert.equal(point.visibleShare, 1);
      }),
    );
  });

  it('reports exactly one injected stale read with its lag and age', () => {
    fc.assert(
      fc.property(serialOps, fc.nat(), fc.nat(), (ops, pickRead, pickVersion) => {
        const clean = serialHistory(ops);
        const eligible = [...clean.reads.entries()].filter(([, r]) => r.version >= 1);
        fc.pre(eligible.length > 0);
        const [op, read] = eligible[pickRead % eligible.length] as (typeof eligible)[number];
        const to = pickVersion % read.version;
        const injected = serialHistory(ops, { op, to }).builder.build();
        const firstNewer = clean.completedAt.get(`${read.key}:${to + 1}`) as number;
        assert.deepEqual(staleReadList(findStaleReads(injected)), [
          {
            op,
            key: read.key,
            versionRead: to,
            latestVersion: read.version,
            ageNs: ms(read.invokeMs - firstNewer),
            lag: read.version - to,
          },
        ]);
      }),
    );
  });

  const concurrentOps = fc.array(
    fc.record({
      key: fc.integer({ min: 0, max: 3 }),
      write: fc.boolean(),
      invoke: fc.integer({ min: 0, max: 100 }),
      duration: fc.integer({ min: 0, max: 20 }),
      outcome: fc.constantFrom<Outcome>('ok', 'ok', 'ok', 'info', 'fail'),
      version: fc.integer({ min: 0, max: 12 }),
    }),
    { maxLength: 120 },
  );

  it('agrees with a brute-force reference on random concurrent histories', () => {
    fc.assert(
      fc.property(concurrentOps, (ops) => {
        const h = new HistoryBuilder();
        for (const op of ops) {
          if (op.write) h.write(0, op.key, op.invoke, op.invoke + op.duration, op.version + 1, op.outcome);
          else h.read(1, op.key, op.invoke, op.invoke + op.duration, op.version, op.outcome);
        }
        const history = h.build();
        const reference = bruteForce(history);
        assert.deepEqual(
          staleReadList(findStaleReads(history)).map((s) => [s.op, s.latestVersion, s.lag, s.ageNs]),
          reference.stale,
        );
        assert.deepEqual(visibilityCurve(history, EDGES), reference.visibility);
      }),
    );
  });
});

const EDGES = [0, 5, 10, 50];

/** O(n²) reference: the stale-read and t-visibility definitions applied literally. */
function bruteForce(history: History): { stale: number[][]; visibility: VisibilityPoint[] } {
  const stale: number[][] = [];
  const edges = [...EDGES, Number.POSITIVE_INFINITY];
  const reads = new Array<number>(EDGES.length).fill(0);
  const visible = new Array<number>(EDGES.length).fill(0);
  for (let r = 0; r < history.length; r++) {
    if (history.kind[r] !== 0 || history.outcome[r] !== 0) continue;
    const invoke = history.invokeNs[r] as number;
    const read = history.version[r] as number;
    const before: number[] = [];
    for (let w = 0; w < history.length; w++) {
      const okWrite = history.kind[w] === 1 && history.outcome[w] === 0;
      if (okWrite && history.key[w] === history.key[r] && (history.completeNs[w] as number) < invoke)
        before.push(w);
    }
    if (before.length === 0) continue;
    const latest = Math.max(...before.map((w) => history.version[w] as number));
    const latestDone = Math.min(
      ...before.filter((w) => history.version[w] === latest).map((w) => history.completeNs[w] as number),
    );
    const t = invoke - latestDone;
    const bucket = edges.findIndex((edge, b) => t >= ms(edge) && t < ms(edges[b + 1] as number));
    reads[bucket] = (reads[bucket] as number) + 1;
    if (read >= latest) {
      visible[bucket] = (visible[bucket] as number) + 1;
      continue;
    }
    const firstNewer = Math.min(
      ...before
        .filter((w) => (history.version[w] as number) > read)
        .map((w) => history.completeNs[w] as number),
    );
    stale.push([r, latest, latest - read, invoke - firstNewer]);
  }
  const visibility: VisibilityPoint[] = [];
  reads.forEach((count, b) => {
    if (count > 0) {
      visibility.push({
        fromMs: edges[b] as number,
        toMs: edges[b + 1] as number,
        reads: count,
        visibleShare: (visible[b] as number) / count,
      });
    }
  });
  // The checker lists stale reads by invoke time, ties in row order.
  stale.sort(
    (a, b) =>
      (history.invokeNs[a[0] as number] as number) - (history.invokeNs[b[0] as number] as number) ||
      (a[0] as number) - (b[0] as number),
  );
  return { stale, visibility };
}
