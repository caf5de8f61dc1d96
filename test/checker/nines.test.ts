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
        { delayMs: 100, probes: 4, consistentShare: 0.75 },
        { delayMs: 1000, probes: 1, consistentShare: 1 },
        { delayMs: 10000, probes: 1, consistentShare: 0 },
      ],
    );
  });

  it('is empty without probes', () => {
    assert.deepEqual(consistencyNines([]), []);
  });
});
