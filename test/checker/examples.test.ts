import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check } from '../../checker/index.ts';
import type { TracedStep } from '../../checker/types.ts';
import { HistoryBuilder, snapshotOf } from './history-builder.ts';

describe('worked examples', () => {
  it('explain a stale read with the writes in its window, the read and their traced steps', () => {
    const h = new HistoryBuilder();
    const old = h.write(0, 1, 0, 1, 1); // before the window: not shown
    const cause = h.write(1, 1, 10, 12, 2);
    const concurrent = h.write(2, 1, 11, 30, 3, 'info');
    h.write(3, 2, 10, 12, 1); // other key
    const read = h.invoke(4, 'read', 1, 20);
    h.ok(read, 22, 1, 'cache');
    h.write(1, 1, 40, 41, 4); // after the read: not shown
    const steps: TracedStep[] = [
      { step: 'db-write', key: 1, version: 1, at: 0.5e6, opId: old },
      { step: 'db-write', key: 1, version: 2, at: 11e6, opId: cause },
      { step: 'cache-hit', key: 1, version: 1, at: 21e6, opId: read },
      { step: 'cache-set', key: 1, version: 1, at: 15e6, opId: -1 },
      { step: 'cache-set', key: 2, version: 1, at: 15e6, opId: -1 },
    ];
    const report = check(
      h.build(),
      snapshotOf([
        [1, 4, 0],
        [2, 1, 1],
      ]),
      { steps },
    );
    assert.equal(report.examples.length, 1);
    const example = report.examples[0];
    assert.ok(example);
    assert.equal(example.kind, 'stale-read');
    assert.equal(example.key, 1);
    assert.match(example.description, /returned v1 although v2 had completed; 8\.000 ms .* 1 version behind/);
    assert.deepEqual(
      example.operations.map((o) => [o.op, o.kind, o.outcome, o.version]),
      [
        [cause, 'write', 'ok', 2],
        [concurrent, 'write', 'info', 3],
        [read, 'read', 'ok', 1],
      ],
    );
    assert.deepEqual(example.operations.at(-1), {
      op: read,
      client: 4,
      kind: 'read',
      invokeMs: 20,
      completeMs: 22,
      outcome: 'ok',
      version: 1,
      source: 'cache',
    });
    assert.deepEqual(example.steps, [
      { step: 'db-write', key: 1, version: 2, atMs: 11, op: cause },
      { step: 'cache-set', key: 1, version: 1, atMs: 15, op: -1 },
      { step: 'cache-hit', key: 1, version: 1, atMs: 21, op: read },
    ]);
  });

  it('cap the operations of a hot key at 8, keeping the write that made the read stale', () => {
    const h = new HistoryBuilder();
    for (let i = 0; i < 20; i++) h.write(i, 1, 0, 100, 100 + i, 'info');
    const cause = h.write(30, 1, 1, 2, 5);
    const read = h.read(31, 1, 50, 51, 0);
    const [example] = check(h.build(), snapshotOf([[1, 5, 0]])).examples;
    assert.ok(example);
    assert.equal(example.operations.length, 8);
    assert.ok(example.operations.some((o) => o.op === cause));
    assert.equal(example.operations.at(-1)?.op, read);
  });

  it('keep at most maxExamplesPerKind per kind, first in history order', () => {
    const h = new HistoryBuilder();
    h.write(0, 1, 0, 1, 1);
    const reads = [10, 11, 12, 13].map((t) => h.read(1, 1, t, t + 0.5, 0));
    const report = check(h.build(), snapshotOf([[1, 1, 1]]), { maxExamplesPerKind: 2 });
    assert.deepEqual(
      report.examples.map((e) => e.operations.at(-1)?.op),
      reads.slice(0, 2),
    );
    assert.deepEqual(check(h.build(), snapshotOf([[1, 1, 1]]), { maxExamplesPerKind: 0 }).examples, []);
  });

  it('explain a divergent key with its last writes and a lost write with the writes after it', () => {
    const h = new HistoryBuilder();
    h.write(0, 1, 0, 1, 1);
    const second = h.write(0, 1, 2, 3, 2);
    const lost = h.write(0, 2, 0, 1, 7);
    const after = h.write(1, 2, 5, 6, 8, 'fail');
    const steps: TracedStep[] = [
      { step: 'queue-push', key: 2, version: 7, at: 0.5e6, opId: lost },
      { step: 'cache-set', key: 1, version: 1, at: 2.5e6, opId: -1 },
    ];
    const report = check(
      h.build(),
      snapshotOf([
        [1, 2, 1],
        [2, 6, 7],
      ]),
      { steps },
    );
    assert.equal(report.valid, false);
    assert.deepEqual(
      report.examples.map((e) => [e.kind, e.key, e.operations.map((o) => o.op), e.steps.map((s) => s.step)]),
      [
        ['divergent-key', 1, [0, second], ['cache-set']],
        ['divergent-key', 2, [lost, after], ['queue-push']],
        ['lost-write', 2, [lost, after], ['queue-push']],
      ],
    );
    assert.match(
      report.examples[0]?.description ?? '',
      /cache holds v1 of key 1 but MySQL holds v2 \(cache-older/,
    );
    assert.match(report.examples[2]?.description ?? '', /v7 .* but MySQL ends with v6/);
  });
});
