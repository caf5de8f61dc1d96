import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anomalySeries, findStaleReads } from '../../checker/index.ts';
import { HistoryBuilder } from './history-builder.ts';

describe('anomalySeries', () => {
  it('counts stale reads per second of invoke time, up to the last second an operation was invoked in', () => {
    const h = new HistoryBuilder();
    h.write(0, 1, 10, 20, 1); // second 0
    h.read(1, 1, 999, 1001, 1); // second 0
    h.read(1, 1, 1000, 1001, 0); // second 1, stale
    h.write(0, 2, 1500, 1600, 1, 'info'); // second 1, error
    h.read(1, 3, 3200, 5000, 0, 'fail'); // second 3, error
    h.read(1, 1, 3999.999, 4000, 0); // second 3, stale
    const history = h.build();
    assert.deepEqual(anomalySeries(history, findStaleReads(history)), {
      staleReads: [0, 1, 0, 1],
    });
  });

  it('is empty for an empty history', () => {
    const history = new HistoryBuilder().build();
    assert.deepEqual(anomalySeries(history, findStaleReads(history)), {
      staleReads: [],
    });
  });
});
