import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exploreScenario } from '../../../bench/explore/explore.ts';
import { formatExploreTable } from '../../../bench/explore/format.ts';
import { LocalWorld } from '../../../bench/explore/local-world.ts';
import { BUILT_IN_SCENARIOS, findScenario } from '../../../bench/explore/scenarios.ts';
import type { ExplorationResult } from '../../../bench/explore/types.ts';
import { runRaceScenarios } from '../../../bench/tools/races.ts';
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
    /**
     * The built-in scenario each hand-written race is an interleaving of (explored with the
     * race's own strategy options). Not explorable: a race that needs a guard to expire in
     * real time (the explorer orders steps, not clocks).
     */
    const scenarioOf: Record<string, string | undefined> = {
      'read refills between delete and update': 'write-read',
      // cdc-invalidate's delete lands between the read's DB read and its fill only with a flush step.
      'slow read sets the old value after write + delete': 'write-read-flush',
      'two writes reach MySQL and the cache in opposite orders': 'write-write',
      'fill slower than the second delete': 'write-read',
      'writer dies between the MySQL commit and the invalidation': 'write-read-writer-crash',
      // The writer's process is SIGKILLed at its pause point: the explorer's writer crash stops
      // the write at a step boundary the same way (the error policy plays no part: no DEL ran).
      'app process killed between the MySQL commit and the cache step': 'write-read-writer-crash',
      // The explorer's Redis restarts empty (no AOF): a stale entry that survives a restart has no scenario there.
      'Redis restarts from its AOF with a stale entry': undefined,
      // The explorer has no error policies and no unreachable Redis: a queued DEL has no scenario there.
      'app process killed with a failed DEL in its retry queue': undefined,
      'read before the invalidator applies the write (CDC lag)': 'write-read-warm',
      'Redis crashes before the flush': 'write-write-flush-redis-restart',
      'fill slower than the guard lives': undefined,
      // A cut link is no step the explorer interleaves: the partition holds the invalidator's
      // event for the whole window, which the explorer's write-read-warm covers as "not applied yet".
      'invalidator cut off from Redis while a read fills the old value': undefined,
      'read right after the write marks the entry deleted (rockscache #12)': 'write-read-warm',
    };
    const checked: string[] = [];
    for (const hand of races) {
      assert.ok(hand.scenario in scenarioOf, `a race the explorer test does not know: ${hand.scenario}`);
      const scenario = scenarioOf[hand.scenario];
      if (scenario === undefined) continue;
      assert.ok(hand.reproduced, `${hand.strategy}: the race '${hand.scenario}' did not reproduce`);
      const options = Object.fromEntries(
        hand.options === '' ? [] : hand.options.split(',').map((pair) => pair.split('=') as [string, string]),
      );
      const explored = await exploreScenario(world, hand.strategy, findScenario(scenario), MAX, options);
      const what = `${hand.strategy} / ${hand.scenario} in ${scenario}:\n${counts(explored).join('\n')}`;
      if (hand.staleCache) {
        assert.ok(
          explored.outcomes.some(
            (o) =>
              o.outcome.anomalies.includes('stale-cache') &&
              o.outcome.cacheVersion === hand.cacheVersion &&
              o.outcome.dbVersion === hand.dbVersion,
          ),
          `no stale cache v${hand.cacheVersion} under db v${hand.dbVersion}: ${what}`,
        );
      }
      if (hand.staleReads > 0)
        assert.ok(
          explored.outcomes.some((o) => o.outcome.anomalies.includes('stale-read')),
          what,
        );
      if (hand.lostWrites > 0) {
        // Redis crashes before the flush: every acknowledged write lost.
        assert.equal(hand.lostWrites, hand.ackedVersions.length);
        assert.ok(
          explored.outcomes.some(
            (o) =>
              o.outcome.anomalies.includes('lost-write') &&
              o.outcome.writes.length > 0 &&
              o.outcome.lostWrites.length === o.outcome.writes.length,
          ),
          what,
        );
      }
      checked.push(`${hand.strategy}: ${hand.scenario}`);
    }
    for (const pattern of [
      'delete-then-update',
      'cache-aside',
      'write-through',
      'write-behind',
      'delayed-double-delete',
    ])
      assert.ok(
        checked.some((c) => c.startsWith(`${pattern}:`)),
        `no race of ${pattern} checked: ${checked.join('; ')}`,
      );
  });
});
