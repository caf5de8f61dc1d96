import { findMetric, type MetricDefinition, metricValue } from './metrics.ts';
import { type PlanLabel, planLabels } from './scope.ts';
import { type Crossing, evaluateThresholds, type Threshold } from './thresholds.ts';
import type { RunResult } from './types.ts';

/** One column of a grid: a fault plan as given to `--fault` (a preset name or a plan file). */
export type GridPlan = PlanLabel;
export { planLabels };

/**
 * A strategy × fault-plan grid (`--grid`): every strategy ran under every plan with one seed.
 * `cells[s][p]` is strategy s under plan p, or null when it did not run (the grid was
 * interrupted before it). Today's matrix is the grid's one-column case.
 */
export interface GridResult {
  seed: number;
  strategies: string[];
  plans: GridPlan[];
  cells: (RunResult | null)[][];
}

/** A strategy that stayed within the budget under every plan. */
export interface WithinBudget {
  strategy: string;
  /** Its lowest goodput over the plans: what it is ranked by. */
  worstGoodput: number;
  /** The plan of that lowest goodput. */
  worstPlan: string;
}

/** A strategy that did not: the first plan (in the grid's order) that broke the budget, and how. */
export interface OutsideBudget {
  strategy: string;
  plan: string;
  /** The budget rules it crossed under that plan; empty when it did not run there (`reason` says so). */
  crossings: Crossing[];
  /** One line: which plan and why. */
  reason: string;
}

/** What `--budget` recommends. */
export interface Recommendation {
  budget: Threshold[];
  /** Within the budget under every plan, best worst-case goodput first. */
  within: WithinBudget[];
  /** Each of the others, in the grid's row order. */
  outside: OutsideBudget[];
}

const GOODPUT = findMetric('goodput') as MetricDefinition;

/** Whether a cell's result is within the budget: the crossings (none = within). */
export function cellCrossings(cell: RunResult, budget: readonly Threshold[]): Crossing[] {
  return evaluateThresholds(cell, budget);
}

/**
 * The recommendation of a grid under a budget: the patterns within it under every plan, ranked
 * by their worst goodput over the plans (ties by name), and for each other pattern the first
 * plan that breaks it and why. An interrupted or missing run is never within a budget.
 */
export function recommend(grid: GridResult, budget: readonly Threshold[]): Recommendation {
  const within: WithinBudget[] = [];
  const outside: OutsideBudget[] = [];
  grid.strategies.forEach((strategy, s) => {
    let worst: WithinBudget | undefined;
    for (let p = 0; p < grid.plans.length; p++) {
      const plan = (grid.plans[p] as GridPlan).label;
      const cell = grid.cells[s]?.[p] ?? null;
      if (cell === null || cell.run.interrupted) {
        const reason = `${strategy}: did not run to the end under ${plan}`;
        outside.push({ strategy, plan, crossings: [], reason });
        return;
      }
      const crossings = cellCrossings(cell, budget);
      if (crossings.length > 0) {
        const why = crossings.map((c) => `${c.rule} (${c.detail})`).join('; ');
        outside.push({ strategy, plan, crossings, reason: `${strategy}: breaks under ${plan}: ${why}` });
        return;
      }
      const goodput = metricValue(cell, GOODPUT) ?? 0;
      if (worst === undefined || goodput < worst.worstGoodput) {
        worst = { strategy, worstGoodput: goodput, worstPlan: plan };
      }
    }
    if (worst !== undefined) within.push(worst);
  });
  within.sort((a, b) => b.worstGoodput - a.worstGoodput || a.strategy.localeCompare(b.strategy));
  return { budget: [...budget], within, outside };
}

/** The control (`db-only`) run of plan column p, when it ran. */
export function controlInColumn(grid: GridResult, p: number, control: string): RunResult | undefined {
  const s = grid.strategies.indexOf(control);
  return s < 0 ? undefined : (grid.cells[s]?.[p] ?? undefined);
}

/** The recommendation in words, one line each: the ranking, then each pattern outside and why. */
export function recommendationLines(grid: GridResult, recommendation: Recommendation): string[] {
  const rules = recommendation.budget.map((t) => t.text).join(', ');
  const plans = grid.plans.map((p) => p.label).join(', ');
  const lines: string[] = [];
  if (recommendation.within.length === 0) {
    lines.push(`No pattern stays within ${rules} under every plan (${plans}).`);
  } else {
    lines.push(`Within ${rules} under every plan (${plans}), by worst-case goodput:`);
    recommendation.within.forEach((w, i) => {
      lines.push(
        `  ${i + 1}. ${w.strategy}: ${Math.round(w.worstGoodput).toLocaleString('en-US')} ok ops/s at worst (under ${w.worstPlan})`,
      );
    });
  }
  if (recommendation.outside.length > 0) {
    lines.push('Outside the budget:');
    for (const o of recommendation.outside) lines.push(`  ${o.reason}`);
  }
  return lines;
}
