import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { consistencyNines } from '../../checker/index.ts';

describe('consistencyNines', () => {
  it('gives the consistent share per probe delay, ascending', () => {
    const probe = (op: number, delayMs: number, consistent: boolean) => ({
      op,
      key: op,
      delayMs,
      consistent,
    });
    assert.deepEqual(
      consistencyNines([
        probe(1, 1000, true),
        probe(1, 100, true),
        probe(2, 100, false),
        probe(3, 100, true),
        probe(4, 100, true),
        probe(2, 10000, false),
      ]),
      [
        {
          delayMs: 100,
          probes: 4,
          inconsistent: 1,
          consistentShare: 0.75,
          keys: 4,
          keyWeightedShare: 0.75,
          flushLagged: 0,
        },
        {
          delayMs: 1000,
          probes: 1,
          inconsistent: 0,
          consistentShare: 1,
          keys: 1,
          keyWeightedShare: 1,
          flushLagged: 0,
        },
        {
          delayMs: 10000,
          probes: 1,
          inconsistent: 1,
          consistentShare: 0,
          keys: 1,
          keyWeightedShare: 0,
          flushLagged: 0,
        },
      ],
    );
  });

  it('weights each key alike in keyWeightedShare, so a hot key does not dominate, and counts flush lag apart', () => {
    // Hot key 1: 8 probes, all consistent; cold key 2: 2 probes, both inconsistent.
    const probes = [
      ...Array.from({ length: 8 }, (_, i) => ({
        op: i,
        key: 1,
        delayMs: 100,
        consistent: true,
        flushLag: i < 3,
      })),
      { op: 8, key: 2, delayMs: 100, consistent: false },
      { op: 9, key: 2, delayMs: 100, consistent: false },
    ];
    const [nine] = consistencyNines(probes);
    assert.ok(nine);
    assert.equal(nine.consistentShare, 0.8);
    assert.equal(nine.keyWeightedShare, 0.5);
    assert.equal(nine.inconsistent, 2);
    assert.equal(nine.keys, 2);
    assert.equal(nine.flushLagged, 3);
  });

  it('is empty without probes', () => {
    assert.deepEqual(consistencyNines([]), []);
  });
});
