import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exploreScenario } from '../../../bench/explore/explore.ts';
import { formatExploreTable } from '../../../bench/explore/format.ts';
import { LocalWorld } from '../../../bench/explore/local-world.ts';
import { BUILT_IN_SCENARIOS, findScenario } from '../../../bench/explore/scenarios.ts';
import type { ExplorationResult } from '../../../bench/explore/types.ts';
import { type RaceOutcome, runRaceScenarios } from '../../../bench/tools/races.ts';
import { startLocalEnvironment } from '../../../services/local.ts';
import type { Environment } from '../../../services/types.ts';

const MAX = 5000;
let env: Environment;
let world: LocalWorld;

before(async () => {
  env = await startLocalEnvironment({ redisPersistence: 'none' });
  world = await LocalWorld.open(env);
});

after(async () => {
  await world?.close();
  await env?.stop();
});

const counts = (result: ExplorationResult): string[] =>
  result.outcomes.map((o) => `${o.schedules} × ${o.signature}`);

describe('explore against the local services', () => {
  it('is deterministic: the same outcome counts on every run (write-behind, Redis restarts at every boundary)', async () => {
    const scenario = findScenario('write-read-redis-restart');
    const first = await exploreScenario(world, 'write-behind', scenario, MAX);
    const second = await exploreScenario(world, 'write-behind', scenario, MAX);
    assert.ok(first.schedules > 1);
    assert.deepEqual(counts(second), counts(first));
    assert.equal(second.schedules, first.schedules);
  });

  it('db-only, the control, shows no anomaly in any built-in scenario', async () => {
    const results: ExplorationResult[] = [];
    for (const scenario of BUILT_IN_SCENARIOS)
      results.push(await exploreScenario(world, 'db-only', scenario, MAX));
    assert.ok(
      results.every((r) => r.schedules > 0 && r.schedulesWithAnomaly === 0),
      formatExploreTable(results),
    );
  });

  it('finds every anomaly npm run races forces by hand, with the same final versions', async () => {
    const races = (await runRaceScenarios(env)).filter((race) => race.anomalyPredicted);
    const race = (pattern: string): RaceOutcome => {
      const found = races.find((r) => r.strategy === pattern);
      assert.ok(found, pattern);
      assert.ok(found.reproduced, `${pattern}: the race itself did not reproduce`);
      return found;
    };
    const explore = (strategy: string, scenario: string) =>
      exploreScenario(world, strategy, findScenario(scenario), MAX);

    // Read refills between delete and update; slow read sets the old value after write + delete:
    // the races start from a write (cache deleted), the cold write-read scenario.
    for (const pattern of ['delete-then-update', 'cache-aside']) {
      const hand = race(pattern);
      const explored = await explore(pattern, 'write-read');
      assert.ok(
        explored.outcomes.some(
          (o) =>
            o.outcome.anomalies.includes('stale-cache') &&
            o.outcome.cacheVersion === hand.cacheVersion &&
            o.outcome.dbVersion === hand.dbVersion,
        ),
        `${pattern}: no stale cache v${hand.cacheVersion} under db v${hand.dbVersion} among\n${counts(explored).join('\n')}`,
      );
    }
    // Two writes reach MySQL and the cache in opposite orders (the race seeds with a write: cache warm).
    const writeThrough = race('write-through');
    const explored = await explore('write-through', 'write-write');
    assert.ok(
      explored.outcomes.some(
        (o) =>
          o.outcome.anomalies.includes('stale-cache') &&
          o.outcome.cacheVersion === writeThrough.cacheVersion &&
          o.outcome.dbVersion === writeThrough.dbVersion,
      ),
      counts(explored).join('\n'),
    );
    // Redis crashes before the flush: every acknowledged write lost.
    const writeBehind = race('write-behind');
    assert.equal(writeBehind.lostWrites, writeBehind.ackedVersions.length);
    const lost = await explore('write-behind', 'write-write-flush-redis-restart');
    assert.ok(
      lost.outcomes.some(
        (o) =>
          o.outcome.anomalies.includes('lost-write') &&
          o.outcome.writes.length > 0 &&
          o.outcome.lostWrites.length === o.outcome.writes.length,
      ),
      counts(lost).join('\n'),
    );
  });
});
