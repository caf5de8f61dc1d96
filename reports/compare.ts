import { ConfigurationError } from '../kernel/index.ts';
import { findMetric, HEADLINE_METRICS, type MetricDefinition } from './metrics.ts';
import {
  type Crossing,
  evaluateRegressions,
  evaluateThresholds,
  type MaxRegression,
  regressionOf,
  type Threshold,
} from './thresholds.ts';
import type { RunResult } from './types.ts';

/** One metric of one strategy, base against head. */
export interface MetricDelta {
  metric: MetricDefinition;
  base: number | null;
  head: number | null;
  /** Positive when head is worse (in the metric's bad direction); null when a side is missing. */
  worseBy: number | null;
  worsePercent: number | null;
  /** A threshold or allowed regression on this metric was crossed. */
  crossed: boolean;
}

/** One strategy's two runs; a side is null when only one input had that strategy. */
export interface StrategyComparison {
  strategy: string;
  base: RunResult | null;
  head: RunResult | null;
  deltas: MetricDelta[];
  crossings: Crossing[];
}

/** Everything a comparison found; `crossings` non-empty means the gate fails (exit 3). */
export interface Comparison {
  strategies: StrategyComparison[];
  crossings: Crossing[];
  thresholds: readonly Threshold[];
  maxRegressions: readonly MaxRegression[];
}

/** Rules the head must satisfy. */
export interface CompareOptions {
  thresholds?: readonly Threshold[];
  maxRegressions?: readonly MaxRegression[];
}

function byStrategy(results: readonly RunResult[], side: string): Map<string, RunResult> {
  const map = new Map<string, RunResult>();
  for (const result of results) {
    if (map.has(result.run.strategy)) {
      throw new ConfigurationError(
        `${side} holds two results of strategy ${result.run.strategy}; compare needs one each`,
      );
    }
    map.set(result.run.strategy, result);
  }
  return map;
}

/** The metrics a comparison lists: the headline ones, then any a rule names. */
function listedMetrics(options: CompareOptions): MetricDefinition[] {
  const names = [...HEADLINE_METRICS];
  for (const rule of [...(options.thresholds ?? []), ...(options.maxRegressions ?? [])]) {
    if (!names.includes(rule.metric)) names.push(rule.metric);
  }
  return names.map((name) => findMetric(name)).filter((m): m is MetricDefinition => m !== undefined);
}

/**
 * Puts two runs (or two matrix runs) side by side. Matrix results pair by strategy name;
 * two single results pair whatever their strategies. Thresholds apply to every head
 * result, allowed regressions to every pair.
 */
export function compareResults(
  base: RunResult | readonly RunResult[],
  head: RunResult | readonly RunResult[],
  options: CompareOptions = {},
): Comparison {
  const thresholds = options.thresholds ?? [];
  const maxRegressions = options.maxRegressions ?? [];
  const pairs: { strategy: string; base: RunResult | null; head: RunResult | null }[] = [];
  if (!Array.isArray(base) && !Array.isArray(head)) {
    const b = base as RunResult;
    const h = head as RunResult;
    const strategy =
      b.run.strategy === h.run.strategy ? h.run.strategy : `${b.run.strategy} → ${h.run.strategy}`;
    pairs.push({ strategy, base: b, head: h });
  } else {
    const baseMap = byStrategy(Array.isArray(base) ? base : [base as RunResult], 'base');
    const headMap = byStrategy(Array.isArray(head) ? head : [head as RunResult], 'head');
    for (const [strategy, h] of headMap)
      pairs.push({ strategy, base: baseMap.get(strategy) ?? null, head: h });
    for (const [strategy, b] of baseMap)
      if (!headMap.has(strategy)) pairs.push({ strategy, base: b, head: null });
  }

  const metrics = listedMetrics(options);
  const strategies = pairs.map((pair): StrategyComparison => {
    const crossings = [
      ...(pair.head === null ? [] : evaluateThresholds(pair.head, thresholds)),
      ...(pair.head === null || pair.base === null
        ? []
        : evaluateRegressions(pair.base, pair.head, maxRegressions)),
    ];
    const crossedMetrics = new Set(crossings.map((c) => c.metric));
    const deltas = metrics.map((metric): MetricDelta => {
      const baseValue = pair.base === null ? null : metric.value(pair.base);
      const headValue = pair.head === null ? null : metric.value(pair.head);
      const regression =
        baseValue === null || headValue === null ? null : regressionOf(metric.better, baseValue, headValue);
      return {
        metric,
        base: baseValue,
        head: headValue,
        worseBy: regression?.worseBy ?? null,
        worsePercent: regression?.worsePercent ?? null,
        crossed: crossedMetrics.has(metric.name),
      };
    });
    return { ...pair, deltas, crossings };
  });
  return { strategies, crossings: strategies.flatMap((s) => s.crossings), thresholds, maxRegressions };
}
