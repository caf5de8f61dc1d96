import { enumerateSchedules } from './enumerate.ts';
import { type ExploreWorld, HookRouter, strategySpec } from './execution.ts';
import type {
  AnomalyKind,
  ExplorationResult,
  OutcomeCount,
  Scenario,
  ScheduleOutcome,
  ScheduleStep,
} from './types.ts';

/** The anomaly kinds in the order tables list them. */
export const ANOMALY_KINDS: readonly AnomalyKind[] = [
  'stale-read',
  'stale-cache',
  'cache-newer',
  'lost-write',
];

/** The observations of an outcome as one stable line: what makes two outcomes the same. */
export function outcomeSignature(outcome: ScheduleOutcome): string {
  const list = (values: readonly (number | string)[]): string =>
    values.map((v) => (typeof v === 'number' ? `v${v}` : v)).join(',');
  return [
    `reads [${list(outcome.reads)}]`,
    `writes [${list(outcome.writes)}]`,
    `cache v${outcome.cacheVersion}`,
    `db v${outcome.dbVersion}`,
    `lost [${list(outcome.lostWrites)}]`,
    outcome.anomalies.length === 0 ? 'no anomaly' : outcome.anomalies.join('+'),
  ].join(' · ');
}

/**
 * Explores every schedule of `scenario` with strategy `strategyName` (and `options`) against `world`:
 * builds the strategy once, runs each schedule on a fresh key, and groups the schedules by
 * outcome, keeping the shortest schedule of each outcome and of each anomaly kind.
 */
export async function exploreScenario(
  world: ExploreWorld,
  strategyName: string,
  scenario: Scenario,
  maxSchedules: number,
  options: Readonly<Record<string, string | number | boolean>> = {},
): Promise<ExplorationResult> {
  const started = performance.now();
  const router = new HookRouter();
  const strategy = await world.createStrategy(strategyName, router.wiring, options);
  const outcomes = new Map<string, OutcomeCount>();
  const shortest = new Map<AnomalyKind, { outcome: string; steps: ScheduleStep[] }>();
  let schedulesWithAnomaly = 0;
  try {
    // Background work (cdc-invalidate's invalidator) runs as in a bench run; its pauses are parked between flush steps.
    await strategy.start?.();
    const spec = strategySpec(
      world,
      strategy,
      router,
      scenario,
      world.deferredStepsOf(strategyName, options),
    );
    const summary = await enumerateSchedules(spec, {
      maxSchedules,
      what: `scenario '${scenario.name}' with ${strategyName}`,
      onSchedule: (steps, outcome) => {
        const signature = outcomeSignature(outcome);
        const seen = outcomes.get(signature);
        if (seen === undefined)
          outcomes.set(signature, { signature, outcome, schedules: 1, shortest: steps });
        else {
          seen.schedules++;
          if (steps.length < seen.shortest.length) {
            seen.shortest = steps;
            seen.outcome = outcome;
          }
        }
        if (outcome.anomalies.length > 0) schedulesWithAnomaly++;
        for (const kind of outcome.anomalies) {
          const best = shortest.get(kind);
          if (best === undefined || steps.length < best.steps.length)
            shortest.set(kind, { outcome: signature, steps });
        }
      },
    });
    const ordered = [...outcomes.values()].sort(
      (a, b) => b.schedules - a.schedules || a.signature.localeCompare(b.signature),
    );
    return {
      strategy: strategyName,
      options: { ...options },
      scenario: scenario.name,
      participants: [...spec.participants],
      schedules: summary.schedules,
      schedulesWithAnomaly,
      reducedBranches: summary.reducedBranches,
      outcomes: ordered,
      shortestByAnomaly: ANOMALY_KINDS.flatMap((kind) => {
        const best = shortest.get(kind);
        if (best === undefined) return [];
        return [{ kind, outcome: ordered.findIndex((o) => o.signature === best.outcome), steps: best.steps }];
      }),
      elapsedMs: performance.now() - started,
    };
  } finally {
    await strategy.close();
  }
}
