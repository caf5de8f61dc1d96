import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { enumerateSchedules, estimateSchedules, ScenarioTooLarge } from '../../../bench/explore/enumerate.ts';
import { exploreScenario, outcomeSignature } from '../../../bench/explore/explore.ts';
import type {
  Execution,
  ExplorationSpec,
  Participant,
  ScheduleStep,
  StepCommands,
} from '../../../bench/explore/types.ts';
import { MemoryWorld } from './memory-world.ts';

/** Participants whose steps are given as command counts; a fault's step has none. */
function countingSpec(
  steps: readonly (readonly StepCommands[])[],
  fault?: Participant,
): { spec: ExplorationSpec<string>; schedules: string[] } {
  const participants: Participant[] = steps.map((_, i) => ({
    label: `op${i + 1}`,
    kind: 'read',
    stops: [],
    isFault: false,
  }));
  if (fault !== undefined) participants.push(fault);
  const schedules: string[] = [];
  const spec: ExplorationSpec<string> = {
    participants,
    begin: async (): Promise<Execution<string>> => {
      const taken = participants.map(() => 0);
      const order: number[] = [];
      return {
        enabled: () =>
          participants
            .map((p, i) => {
              if (p.isFault) return taken[i] === 0 ? i : -1;
              const stopped = participants.some((f, j) => f.stops.includes(i) && (taken[j] as number) > 0);
              return !stopped && (taken[i] as number) < (steps[i]?.length ?? 0) ? i : -1;
            })
            .filter((i) => i >= 0),
        step: async (p): Promise<ScheduleStep> => {
          const commands = participants[p]?.isFault
            ? { redis: 0, db: 0 }
            : (steps[p]?.[taken[p] as number] as StepCommands);
          taken[p] = (taken[p] as number) + 1;
          order.push(p);
          return { participant: p, commands, actions: [], endedAt: '' };
        },
        finish: async () => {
          const schedule = order.map((p) => participants[p]?.label).join(' ');
          schedules.push(schedule);
          return schedule;
        },
      };
    },
  };
  return { spec, schedules };
}

const redisStep = { redis: 1, db: 0 };
const dbStep = { redis: 0, db: 1 };
const emptyStep = { redis: 0, db: 0 };
const restart: Participant = { label: 'restart', kind: 'redis-restart', stops: [], isFault: true };

async function explore(steps: readonly (readonly StepCommands[])[], fault?: Participant) {
  const { spec, schedules } = countingSpec(steps, fault);
  const summary = await enumerateSchedules(spec, {
    maxSchedules: 10_000,
    what: 'test',
    onSchedule: () => undefined,
  });
  return { ...summary, list: schedules };
}

describe('enumerateSchedules', () => {
  it('two operations of 2 and 3 steps: C(5,2) = 10 distinct schedules', async () => {
    const result = await explore([
      [redisStep, dbStep],
      [redisStep, dbStep, redisStep],
    ]);
    assert.equal(result.schedules, 10);
    assert.equal(new Set(result.list).size, 10);
    assert.equal(result.list[0], 'op1 op1 op2 op2 op2');
  });

  it('three one-step operations: 3! = 6; 2+2+3 steps: 7!/(2!2!3!) = 210', async () => {
    assert.equal((await explore([[dbStep], [dbStep], [dbStep]])).schedules, 6);
    assert.equal(
      (
        await explore([
          [dbStep, dbStep],
          [dbStep, dbStep],
          [dbStep, dbStep, dbStep],
        ])
      ).schedules,
      210,
    );
  });

  it('an empty last step follows its operation at once: 2 + (1 + empty) steps give C(3,1) = 3, not C(4,2)', async () => {
    const result = await explore([
      [dbStep, dbStep],
      [dbStep, emptyStep],
    ]);
    assert.equal(result.schedules, 3);
    assert.ok(
      result.list.every((s) => s.includes('op2 op2')),
      result.list.join('\n'),
    );
  });

  it('a Redis restart goes at every boundary before a Redis step, or at the end', async () => {
    // Every step uses Redis: 10 interleavings × 6 positions.
    assert.equal(
      (
        await explore(
          [
            [redisStep, redisStep],
            [redisStep, redisStep, redisStep],
          ],
          restart,
        )
      ).schedules,
      60,
    );
    // No step uses Redis: the restart commutes with all of them and only the end is kept.
    const dbOnly = await explore(
      [
        [dbStep, dbStep],
        [dbStep, dbStep, dbStep],
      ],
      restart,
    );
    assert.equal(dbOnly.schedules, 10);
    assert.ok(dbOnly.list.every((s) => s.endsWith('restart')));
    // op1 = [redis, db]; op2 = [db]: placements before op1's first step or at the end: 3 + 3.
    assert.equal((await explore([[redisStep, dbStep], [dbStep]], restart)).schedules, 6);
  });

  it('a crashed writer only ends the schedule: every prefix of its steps, the others complete', async () => {
    const crash: Participant = { label: 'crash', kind: 'writer-crash', stops: [0], isFault: true };
    const result = await explore([[dbStep, redisStep], [redisStep]], crash);
    // No crash position but the end: op1 took 0, 1 or 2 steps (2 = crash after it finished), op2 all of its one.
    assert.deepEqual(
      result.list.sort(),
      [
        'op1 op1 op2 crash',
        'op1 op2 crash',
        'op1 op2 op1 crash',
        'op2 crash',
        'op2 op1 crash',
        'op2 op1 op1 crash',
      ].sort(),
    );
  });

  it('a scenario larger than the bound is refused with one line', async () => {
    const { spec } = countingSpec([
      [dbStep, dbStep, dbStep],
      [dbStep, dbStep, dbStep],
      [dbStep, dbStep, dbStep],
    ]);
    await assert.rejects(
      enumerateSchedules(spec, { maxSchedules: 100, what: "scenario 'big'", onSchedule: () => undefined }),
      (error: unknown) =>
        error instanceof ScenarioTooLarge &&
        /^scenario 'big' has about 1680 schedules, above the bound of 100/.test(error.message) &&
        !error.message.includes('\n'),
    );
  });

  it('estimates from the first schedule: the multinomial times the fault positions', () => {
    const participants: Participant[] = [
      { label: 'a', kind: 'write', stops: [], isFault: false },
      { label: 'b', kind: 'read', stops: [], isFault: false },
      restart,
    ];
    const step = (participant: number): ScheduleStep => ({
      participant,
      commands: dbStep,
      actions: [],
      endedAt: '',
    });
    assert.equal(estimateSchedules(participants, [step(0), step(0), step(1), step(1), step(1), step(2)]), 60);
  });
});

describe('exploreScenario with an in-memory stand-in strategy', () => {
  it('write + read on a cold key: 10 schedules, and the cache-aside stale fill among them', async () => {
    const world = new MemoryWorld();
    const result = await exploreScenario(
      world,
      'memory',
      { name: 'write-read', summary: '', operations: ['write', 'read'], cache: 'cold' },
      1000,
    );
    assert.equal(result.schedules, 10);
    const total = result.outcomes.reduce((sum, o) => sum + o.schedules, 0);
    assert.equal(total, 10);
    const stale = result.shortestByAnomaly.find((a) => a.kind === 'stale-cache');
    assert.ok(stale, result.outcomes.map((o) => o.signature).join('\n'));
    // Read misses and reads v1, the write commits v2 and deletes, the read sets v1.
    assert.deepEqual(
      stale.steps.map(
        (s) =>
          `${result.participants[s.participant]?.label}: ${s.actions.map((a) => a.step).join(',') || s.endedAt}`,
      ),
      [
        'op2 read: cache-get-miss',
        'op2 read: db-read',
        'op1 write: db-write',
        'op1 write: cache-del',
        'op1 write: acknowledged v2',
        'op2 read: cache-set',
      ],
    );
    assert.equal(result.outcomes[stale.outcome]?.outcome.cacheVersion, 1);
  });

  it('write + read on a cached key: 2 × 1 steps give C(3,1) = 3 schedules, no anomaly', async () => {
    const world = new MemoryWorld();
    const result = await exploreScenario(
      world,
      'memory',
      { name: 'w', summary: '', operations: ['write', 'read'], cache: 'warm' },
      1000,
    );
    assert.equal(result.schedules, 3);
    assert.deepEqual(result.outcomes.map((o) => outcomeSignature(o.outcome)).sort(), [
      'reads [v1] · writes [v2] · cache v0 · db v2 · lost [] · no anomaly',
      'reads [v2] · writes [v2] · cache v2 · db v2 · lost [] · no anomaly',
    ]);
  });

  it('is deterministic: the same counts on every run', async () => {
    const scenario = {
      name: 'r',
      summary: '',
      operations: ['write', 'read', 'read'] as const,
      cache: 'cold' as const,
      fault: 'redis-restart' as const,
    };
    const counts = async () =>
      (await exploreScenario(new MemoryWorld(), 'memory', scenario, 5000)).outcomes.map(
        (o) => `${o.schedules} ${o.signature}`,
      );
    assert.deepEqual(await counts(), await counts());
  });

  it('deferred work is an operation of its own: write (2 steps) + its second delete (1) with a cold read (3) give C(6,3) = 20', async () => {
    const world = new MemoryWorld();
    const result = await exploreScenario(
      world,
      'memory-double-delete',
      { name: 'write-read', summary: '', operations: ['write', 'read'], cache: 'cold' },
      1000,
    );
    assert.deepEqual(
      result.participants.map((p) => p.label),
      ['op1 write', 'op2 read', 'op1 second delete'],
    );
    assert.equal(result.schedules, 20);
    // The fill slower than the delay: the read took v1 before the update and sets it after both deletes.
    const stale = result.shortestByAnomaly.find((a) => a.kind === 'stale-cache');
    assert.ok(stale, result.outcomes.map((o) => o.signature).join('\n'));
    const labels = stale.steps.map((s) => result.participants[s.participant]?.label);
    assert.equal(labels.at(-1), 'op2 read');
    assert.ok(labels.indexOf('op1 second delete') < labels.length - 1);
    // And the race the second delete does close: the same stale fill before it, removed.
    assert.ok(
      result.outcomes.some(
        (o) => o.outcome.reads[0] === 1 && o.outcome.cacheVersion === 0 && o.outcome.anomalies.length === 0,
      ),
      result.outcomes.map((o) => o.signature).join('\n'),
    );
  });

  it('a crashed writer takes its deferred work with it', async () => {
    const result = await exploreScenario(
      new MemoryWorld(),
      'memory-double-delete',
      { name: 'c', summary: '', operations: ['write', 'read'], cache: 'cold', fault: 'writer-crash' },
      1000,
    );
    const crash = result.participants.findIndex((p) => p.kind === 'writer-crash');
    assert.deepEqual(result.participants[crash]?.stops, [0, 2]);
    const fired = (steps: readonly { participant: number }[], who: number) =>
      steps.some((s) => s.participant === who);
    for (const outcome of result.outcomes) {
      // Never a second delete after the crash.
      const steps = outcome.shortest;
      const at = steps.findIndex((s) => s.participant === crash);
      assert.ok(at < 0 || !fired(steps.slice(at), 2), outcome.signature);
    }
  });

  it('a reader waiting for a lock polls again only after another step: 2 owners × 4 = 8 schedules of two cold reads', async () => {
    const world = new MemoryWorld();
    const result = await exploreScenario(
      world,
      'memory-lock',
      { name: 'rr', summary: '', operations: ['read', 'read'], cache: 'cold' },
      1000,
    );
    assert.equal(result.schedules, 8);
    assert.deepEqual(
      result.outcomes.map((o) => o.outcome.reads),
      [[1, 1]],
    );
    assert.ok(world.waits.length > 0);
  });
});
