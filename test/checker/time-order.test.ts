import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { orderRowsByTime } from '../../checker/time-order.ts';

describe('orderRowsByTime', () => {
  it('orders rows by time like a stable comparator sort, negative and infinite times included', () => {
    const times = fc.oneof(
      fc.integer({ min: -5, max: 5 }).map((t) => t * 1e6),
      fc.double({ noNaN: true, min: -1e15, max: 1e15 }),
      fc.constantFrom(0, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 53, 0.5, 1e-300),
    );
    fc.assert(
      fc.property(fc.array(times, { maxLength: 200 }), fc.boolean(), (values, reversed) => {
        const time = Float64Array.from(values);
        const rows = Uint32Array.from(time.keys());
        if (reversed) rows.reverse();
        const expected = [...rows].sort((a, b) => (time[a] as number) - (time[b] as number) || 0);
        const ordered = orderRowsByTime(rows, time);
        assert.deepEqual([...ordered.rows], expected);
        assert.deepEqual(
          [...ordered.time],
          expected.map((row) => time[row]),
        );
      }),
    );
  });
});
