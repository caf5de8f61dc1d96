import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runStrategy } from '../../../bench/run/pipeline.ts';
import { assignFaultIds, residualFaults } from '../../../chaos/index.ts';
import type { PlannedFault } from '../../../chaos/types.ts';
import { findStrategy } from '../../../strategies/registry.ts';
import { useLocalServices } from '../../fixtures/local-services.ts';
import { shortRun } from './short-run.ts';

describe('invalidator faults in runStrategy (real services)', () => {
  const local = useLocalServices();

  it('invalidator-crash: recorded, healed, nothing missed, and the lag of the rows committed in its window reported', async () => {
    const entry = findStrategy('cdc-invalidate');
    assert.ok(entry);
    const warnings: string[] = [];
    const plan: PlannedFault[] = [
      { fault: 'invalidator-crash', target: 'invalidator', at: 600, duration: 800 },
    ];
    const { result, history } = await runStrategy(entry, {
      env: local.env,
      direct: local.direct,
      options: shortRun(9, { faultPlan: assignFaultIds(plan) }),
      onEvent: (event) => {
        if (event.type === 'warning') warnings.push(event.message);
      },
    });
    assert.deepEqual(
      history.faults.map((e) => [e.id, e.phase]),
      [
        ['invalidator-crash#1', 'start'],
        ['invalidator-crash#1', 'heal'],
      ],
    );
    const counters = result.run.strategyCounters ?? {};
    assert.equal(counters.cdcCrashes, 1);
    assert.equal(counters.cdcRestarts, 1);
    // Rows committed while it was down wait at least until the restart: a lag above zero.
    const windowLag = counters['cdcLagMaxMs@invalidator-crash#1'];
    assert.ok(windowLag !== undefined && windowLag > 0, JSON.stringify(counters));
    assert.ok((counters.cdcLagMaxMs ?? 0) >= windowLag, JSON.stringify(counters));
    assert.ok((counters.cdcLagP99Ms ?? -1) >= (counters.cdcLagP50Ms ?? Number.NaN), JSON.stringify(counters));
    // Nothing missed: after the heal and the drain, no key's cache entry is older than MySQL.
    assert.equal(result.consistency.divergentKeys, 0);
    assert.deepEqual(await residualFaults(local.env), []);
    assert.deepEqual(
      warnings.filter((w) => w.includes('left behind')),
      [],
    );
  });
});
