import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { routeLinkCost, routeOf } from '../../../bench/run/route-cost.ts';

describe('the cost of the route', () => {
  it('is proxied minus direct, of the medians and of the p99s (nearest rank)', () => {
    const direct = Array.from({ length: 100 }, (_, i) => 0.1 + i / 1000);
    const proxied = direct.map((ms) => ms + 0.05);
    proxied[99] = 2;
    const cost = routeLinkCost(direct, proxied);
    assert.deepEqual(cost.directMs, { p50: 0.149, p99: 0.198 });
    assert.deepEqual(cost.proxiedMs, { p50: 0.199, p99: 0.248 });
    assert.deepEqual(cost.addedMs, { p50: 0.05, p99: 0.05 });
    assert.deepEqual(routeOf(false, undefined), { viaProxy: false });
  });
});
