import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StepRing, sampleMaskFor } from '../../../bench/history/step-trace.ts';

describe('StepRing', () => {
  it('keeps nothing until started, then the most recent steps oldest first', () => {
    const ring = new StepRing(3);
    assert.equal(ring.wants(1), false);
    ring.record({ step: 'cache-set', key: 1, version: 1, at: 1, opId: 1 });
    ring.start();
    assert.equal(ring.wants(1), true);
    for (let i = 0; i < 5; i++)
      ring.record({ step: 'db-write', key: 7, version: i + 1, at: i * 10, opId: i });
    assert.deepEqual(
      ring.toSteps().map((s) => [s.step, s.key, s.version, s.at, s.opId]),
      [
        ['db-write', 7, 3, 20, 2],
        ['db-write', 7, 4, 30, 3],
        ['db-write', 7, 5, 40, 4],
      ],
    );
    ring.stop();
    assert.equal(ring.wants(7), false);
  });

  it('keeps every step kind and -1 for background work', () => {
    const ring = new StepRing(16);
    ring.start();
    ring.record({ step: 'flush', key: 2, version: -1, at: 5, opId: -1 });
    ring.record({ step: 'cache-get-miss', key: 2, version: -1, at: 6, opId: 9 });
    assert.deepEqual(ring.toSteps(), [
      { step: 'flush', key: 2, version: -1, at: 5, opId: -1 },
      { step: 'cache-get-miss', key: 2, version: -1, at: 6, opId: 9 },
    ]);
  });

  it('samples large key spaces down to about 16k traced keys', () => {
    assert.equal(sampleMaskFor(10_000), 0);
    assert.equal(sampleMaskFor(16_384), 0);
    assert.equal(sampleMaskFor(100_000), 7);
    const ring = new StepRing(4, sampleMaskFor(100_000));
    ring.start();
    assert.equal(ring.wants(8), true);
    assert.equal(ring.wants(9), false);
  });
});
