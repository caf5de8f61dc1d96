import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type autocannon from 'autocannon';
import { connectionsFor, mapAutocannonResult } from '../../../bench/drivers/http-load.ts';

const histogram = {
  p0_001: 1,
  p0_01: 1,
  p0_1: 1,
  p1: 1,
  p2_5: 1,
  p10: 1,
  p25: 2,
  p75: 4,
  p97_5: 12,
  p99_99: 40,
  p99_999: 41,
};

/** A result shaped like autocannon 8's aggregateResult output (values chosen, not measured). */
const RESULT: autocannon.Result = {
  url: 'http://127.0.0.1:40000',
  connections: 16,
  pipelining: 1,
  duration: 2.02,
  samples: 2,
  start: new Date('2025-01-01T00:00:00.000Z'),
  finish: new Date('2025-01-01T00:00:02.020Z'),
  errors: 3,
  timeouts: 1,
  mismatches: 0,
  non2xx: 7,
  resets: 0,
  '1xx': 0,
  '2xx': 9990,
  '3xx': 0,
  '4xx': 2,
  '5xx': 5,
  statusCodeStats: { '200': { count: 9990 }, '400': { count: 2 }, '503': { count: 5 } },
  latency: {
    ...histogram,
    average: 3.15,
    mean: 3.15,
    stddev: 2.4,
    min: 0,
    max: 52,
    p50: 3,
    p90: 6,
    p99: 14,
    p99_9: 31,
    totalCount: 9997,
  },
  requests: {
    ...histogram,
    average: 4998.5,
    mean: 4998.5,
    stddev: 120.5,
    min: 4878,
    max: 5119,
    p50: 4878,
    p90: 5119,
    p99: 5119,
    p99_9: 5119,
    total: 9997,
    sent: 10_013,
  },
  throughput: {
    ...histogram,
    average: 1_250_000,
    mean: 1_250_000,
    stddev: 1000,
    min: 1_249_000,
    max: 1_251_000,
    p50: 1_249_000,
    p90: 1_251_000,
    p99: 1_251_000,
    p99_9: 1_251_000,
    total: 2_500_000,
  },
};

describe('mapAutocannonResult', () => {
  it('keeps autocannon figures under their result.json names', () => {
    assert.deepEqual(mapAutocannonResult(RESULT), {
      tool: 'autocannon',
      connections: 16,
      overallRate: null,
      durationSec: 2.02,
      requestsPerSec: { mean: 4998.5, stddev: 120.5, min: 4878, max: 5119, p50: 4878 },
      latencyMs: { mean: 3.15, stddev: 2.4, p50: 3, p90: 6, p99: 14, p999: 31, max: 52 },
      sent: 10_013,
      completed: 9997,
      responses2xx: 9990,
      non2xx: 7,
      errors: 3,
      timeouts: 1,
      statusCodes: { '200': 9990, '400': 2, '503': 5 },
      bytesPerSec: 1_250_000,
    });
  });

  it('records the open-loop target rate it is given', () => {
    assert.equal(mapAutocannonResult(RESULT, 2500).overallRate, 2500);
  });

  it('gives every status code autocannon saw, and none it did not', () => {
    const figures = mapAutocannonResult({ ...RESULT, statusCodeStats: {} });
    assert.deepEqual(figures.statusCodes, {});
  });
});

describe('connectionsFor', () => {
  it('opens one connection per closed-loop client', () => {
    assert.equal(connectionsFor({ kind: 'closed', clients: 24 }), 24);
  });

  it('caps open-loop connections at max in flight and at the rate', () => {
    assert.equal(connectionsFor({ kind: 'open', rate: 5000, maxInFlight: 64 }), 64);
    assert.equal(connectionsFor({ kind: 'open', rate: 10, maxInFlight: 1024 }), 10);
    assert.equal(connectionsFor({ kind: 'open', rate: 0.5, maxInFlight: 1024 }), 1);
  });
});
