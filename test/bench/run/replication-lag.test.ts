import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { replicationLines } from '../../../bench/cli/summary.ts';
import { summariseReplicationLag } from '../../../bench/run/replication-lag.ts';
import { ConfigurationError } from '../../../kernel/index.ts';
import { renderReport } from '../../../reports/render.ts';
import { validateResult } from '../../../reports/schema.ts';
import type { RunResult } from '../../../reports/types.ts';
import { makeResult } from '../../fixtures/make-result.ts';

describe('replication lag summary', () => {
  it("gives the replica's own seconds behind apart from NULLs, and nearest-rank visibility lags", () => {
    const summary = summariseReplicationLag(
      {
        secondsBehindMaster: [0, 0, null, 3, 1, null, 0],
        visibilityLagMs: [12.345, 1003, 4, 1500.5, 8],
        notVisible: 2,
        failedReads: 1,
      },
      'replica',
      250,
    );
    assert.deepEqual(summary, {
      topology: 'primary-replica',
      readFrom: 'replica',
      secondsBehindMaster: { intervalMs: 250, samples: 7, unknown: 2, failedReads: 1, p50: 0, max: 3 },
      // Sorted 4, 8, 12.345, 1003, 1500.5: p50 is the 3rd, p99 the 5th.
      visibilityLagMs: { samples: 7, notVisible: 2, p50: 12.35, p99: 1500.5, max: 1500.5 },
    });
  });

  it('says null, not 0, when nothing was known', () => {
    const summary = summariseReplicationLag(
      { secondsBehindMaster: [null, null], visibilityLagMs: [], notVisible: 3, failedReads: 0 },
      'primary',
    );
    assert.equal(summary.secondsBehindMaster.p50, null);
    assert.equal(summary.secondsBehindMaster.max, null);
    assert.deepEqual(summary.visibilityLagMs, { samples: 3, notVisible: 3, p50: null, p99: null, max: null });
  });

  it('is checked by the result schema, printed in the summary and rendered in the report', () => {
    const replication = summariseReplicationLag(
      { secondsBehindMaster: [0, 1], visibilityLagMs: [10, 1020], notVisible: 0, failedReads: 0 },
      'replica',
    );
    const base = makeResult();
    const result: RunResult = {
      ...base,
      run: { ...base.run, topology: { db: 'primary-replica', cache: 'single', readFrom: 'replica' } },
      replication,
    };
    assert.equal(
      validateResult(JSON.parse(JSON.stringify(result)), 'r.json').replication?.readFrom,
      'replica',
    );
    const broken = { ...result, replication: { ...replication, readFrom: 'cache' } };
    assert.throws(
      () => validateResult(JSON.parse(JSON.stringify(broken)), 'r.json'),
      (error: unknown) => error instanceof ConfigurationError && /replication\.readFrom/.test(error.message),
    );
    assert.deepEqual(replicationLines(result), [
      'replica      reads from the replica · Seconds_Behind_Master p50 0 s, max 1 s (2 samples) · a write is on the replica p50 10.0 ms, p99 1020.0 ms, max 1020.0 ms after its ok (2 sampled)',
    ]);
    assert.deepEqual(replicationLines(base), []);
    const html = renderReport(result);
    assert.match(html, /<section id="replication">/);
    assert.match(html, /MySQL primary-replica, Redis single; reads from the replica/);
    assert.doesNotMatch(renderReport(base), /id="replication"/);
  });
});
