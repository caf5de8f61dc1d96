import { formatDuration } from '../kernel/duration.ts';
import { ConfigurationError } from '../kernel/index.ts';
import { findMetric, HEADLINE_METRICS, type MetricDefinition, metricValue } from './metrics.ts';
import { describeNoise, noiseVerdict } from './noise.ts';
import { planOf, planTags, rulesFor, scopeCovers } from './scope.ts';
import {
  type Crossing,
  checkThresholds,
  describeWorse,
  exceedsAllowed,
  type MaxRegression,
  type RuleOutcome,
  regressionOf,
  ruleValue,
  type Threshold,
} from './thresholds.ts';
import type { MetricSpread, RunResult } from './types.ts';
import { CONTROL_STRATEGY } from './verdict.ts';

/** A metric's change in the control (`db-only`) of the same plan: the noise of the machine, for reading beside. */
export interface ControlChange {
  base: number | null;
  head: number | null;
  worseBy: number | null;
  worsePercent: number | null;
}

/** One metric of one strategy, base against head. */
export interface MetricDelta {
  metric: MetricDefinition;
  /** The value (the median over the runs of a repeated result); null when a side is missing or did not measure it. */
  base: number | null;
  head: number | null;
  /** Repeated results: the median and its interval. */
  baseSpread?: MetricSpread;
  headSpread?: MetricSpread;
  /** Positive when head is worse (in the metric's bad direction); null when a side is missing. */
  worseBy: number | null;
  worsePercent: number | null;
  /** A threshold or allowed regression on this metric was crossed. */
  crossed: boolean;
  /** db-only's change of this metric under the same plan (absent for db-only itself, or without a db-only pair). */
  control?: ControlChange;
}

/** One strategy's two runs (under one plan); a side is null when only one input had it. */
export interface StrategyComparison {
  /** The strategy, or `a → b` when two single results of different strategies are compared. */
  strategy: string;
  /** The head's plan (the base's when only the base has it). */
  plan: string;
  /** How reports name the pair: the strategy, with `@ plan` when the comparison spans several plans. */
  label: string;
  base: RunResult | null;
  head: RunResult | null;
  deltas: MetricDelta[];
  /** Every rule that applied, held or broken, k6 style. */
  rules: RuleOutcome[];
  crossings: Crossing[];
  /** The settings base and head differ in (compared anyway: --allow-different-settings). */
  differences: SettingDifference[];
}

/** A setting that differs between base and head. */
export interface SettingDifference {
  setting: string;
  base: string;
  head: string;
}

/** Everything a comparison found; `crossings` non-empty means the gate fails (exit 3). */
export interface Comparison {
  strategies: StrategyComparison[];
  /** Every rule outcome of every pair, held or broken. */
  rules: RuleOutcome[];
  crossings: Crossing[];
  thresholds: readonly Threshold[];
  maxRegressions: readonly MaxRegression[];
  /** Rules whose scope covers no head result (a strategy or plan name found on neither side). */
  unmatched: string[];
  /** Every setting that differs in some pair (empty unless --allow-different-settings let them through). */
  differences: SettingDifference[];
}

/** Rules the head must satisfy, and whether runs of different settings may be compared. */
export interface CompareOptions {
  thresholds?: readonly Threshold[];
  maxRegressions?: readonly MaxRegression[];
  /** Compare pairs whose settings differ (they are listed) instead of refusing them. */
  allowDifferentSettings?: boolean;
}

/** The settings that decide whether two runs measure the same thing, by name. */
export const GATE_SETTINGS = [
  'workload',
  'keys',
  'clients',
  'plan',
  'duration',
  'driver',
  'environment',
  'route',
  'cache TTL',
] as const;

function describeLoad(r: RunResult): string {
  const m = r.run.loadModel;
  if (m.kind === 'closed') return `closed loop, ${m.clients} clients`;
  return `open loop, ${m.rate} ops/s, at most ${m.maxInFlight} in flight${m.overflow === 'queue' ? ', no drop' : ''}`;
}

function describePlan(r: RunResult): string {
  const faults = r.run.faults.map((f) => `${f.name} on ${f.target} ${JSON.stringify(f.params)}`);
  return faults.length === 0 ? planOf(r) : `${planOf(r)} (${faults.join('; ')})`;
}

function describeEnvironment(r: RunResult): string {
  const env = r.run.env;
  const versions = Object.entries(env.versions)
    .filter(([name]) => name !== 'cacheproof')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, version]) => `${name} ${version}`);
  return [env.kind, env.cpus === undefined ? 'CPUs not recorded' : `${env.cpus} CPUs`, ...versions].join(
    ', ',
  );
}

/** The measured duration asked for, or (results before it was recorded) the one measured. */
function durationOf(r: RunResult): number {
  return r.run.plannedDurationMs ?? r.run.durationMs;
}

function settingValue(r: RunResult, setting: (typeof GATE_SETTINGS)[number]): string {
  const run = r.run;
  const w = run.workload;
  switch (setting) {
    case 'workload':
      return `${w.name} (${w.readRatio * 100}% reads, ${w.distribution}${w.zipfConstant === null ? '' : ` ${w.zipfConstant}`}, ${w.valueSize} B values)`;
    case 'keys':
      return String(w.keys);
    case 'clients':
      return describeLoad(r);
    case 'plan':
      return describePlan(r);
    case 'duration':
      return `${formatDuration(durationOf(r))} after ${formatDuration(run.warmupMs)} warm-up`;
    case 'driver':
      return run.driver;
    case 'environment':
      return describeEnvironment(r);
    case 'route':
      return run.viaProxy ? 'through Toxiproxy' : 'direct';
    case 'cache TTL':
      return `${run.ttlSeconds} s`;
  }
}

/**
 * Durations differ when both were recorded as asked and differ, or (an older result measured
 * only) by more than 250 ms and 2%: a measured duration overshoots the asked one by a few ms.
 */
function durationsDiffer(base: RunResult, head: RunResult): boolean {
  if (base.run.warmupMs !== head.run.warmupMs) return true;
  const [a, b] = [durationOf(base), durationOf(head)];
  if (base.run.plannedDurationMs !== undefined && head.run.plannedDurationMs !== undefined) return a !== b;
  return Math.abs(a - b) > Math.max(250, 0.02 * Math.max(a, b));
}

/** The {@link GATE_SETTINGS} that differ between two runs. */
export function gateDifferences(base: RunResult, head: RunResult): SettingDifference[] {
  return GATE_SETTINGS.flatMap((setting) => {
    const b = settingValue(base, setting);
    const h = settingValue(head, setting);
    const differ = setting === 'duration' ? durationsDiffer(base, head) : b !== h;
    return differ ? [{ setting, base: b, head: h }] : [];
  });
}

/** The metrics a comparison lists: the headline ones, then any a rule names. */
function listedMetrics(options: CompareOptions): MetricDefinition[] {
  const names = [...HEADLINE_METRICS];
  for (const rule of [...(options.thresholds ?? []), ...(options.maxRegressions ?? [])]) {
    if (!names.includes(rule.metric)) names.push(rule.metric);
  }
  return names.map((name) => findMetric(name)).filter((m): m is MetricDefinition => m !== undefined);
}

interface Pair {
  strategy: string;
  plan: string;
  key: string;
  base: RunResult | null;
  head: RunResult | null;
}

function byKey(
  results: readonly RunResult[],
  side: string,
  key: (r: RunResult) => string,
  byPlan: boolean,
): Map<string, RunResult> {
  const map = new Map<string, RunResult>();
  for (const result of results) {
    const k = key(result);
    if (map.has(k)) {
      const plan = byPlan ? ` under plan ${planOf(result)}` : '';
      throw new ConfigurationError(
        `${side} holds two results of strategy ${result.run.strategy}${plan}; compare needs one each`,
      );
    }
    map.set(k, result);
  }
  return map;
}

/** "cache-aside, db-only (calm)"; several plans: "cache-aside@calm, cache-aside@redis-crash". */
function describeSide(results: readonly RunResult[]): string {
  const plans = [...new Set(results.map(planOf))];
  if (plans.length === 1) return `${results.map((r) => r.run.strategy).join(', ')} (plan ${plans[0]})`;
  return results.map((r) => `${r.run.strategy}@${planOf(r)}`).join(', ');
}

/**
 * Pairs base and head results: two single results whatever their strategies; otherwise by
 * strategy, and by strategy and plan when a side holds several plans (a grid). Refuses
 * (ConfigurationError) when nothing pairs.
 */
function pairResults(base: RunResult | readonly RunResult[], head: RunResult | readonly RunResult[]): Pair[] {
  if (!Array.isArray(base) && !Array.isArray(head)) {
    const b = base as RunResult;
    const h = head as RunResult;
    const strategy =
      b.run.strategy === h.run.strategy ? h.run.strategy : `${b.run.strategy} → ${h.run.strategy}`;
    return [{ strategy, plan: planOf(h), key: strategy, base: b, head: h }];
  }
  const baseList: readonly RunResult[] = Array.isArray(base) ? base : [base as RunResult];
  const headList: readonly RunResult[] = Array.isArray(head) ? head : [head as RunResult];
  const byPlan = new Set(baseList.map(planOf)).size > 1 || new Set(headList.map(planOf)).size > 1;
  const key = (r: RunResult): string => (byPlan ? `${r.run.strategy}@${planOf(r)}` : r.run.strategy);
  const baseMap = byKey(baseList, 'base', key, byPlan);
  const headMap = byKey(headList, 'head', key, byPlan);
  const pairs: Pair[] = [];
  for (const [k, h] of headMap) {
    pairs.push({ strategy: h.run.strategy, plan: planOf(h), key: k, base: baseMap.get(k) ?? null, head: h });
  }
  for (const [k, b] of baseMap) {
    if (!headMap.has(k))
      pairs.push({ strategy: b.run.strategy, plan: planOf(b), key: k, base: b, head: null });
  }
  if (!pairs.some((p) => p.base !== null && p.head !== null)) {
    throw new ConfigurationError(
      `nothing to compare: base holds ${describeSide(baseList)}, head holds ${describeSide(headList)}; no strategy${byPlan ? ' and plan' : ''} is on both sides`,
    );
  }
  return pairs;
}

/** An allowed regression checked on one pair, its noise included. */
function checkRegression(base: RunResult, head: RunResult, regression: MaxRegression): RuleOutcome {
  const definition = findMetric(regression.metric) as MetricDefinition;
  const strategy = head.run.strategy;
  const plan = planOf(head);
  const baseValue = metricValue(base, definition);
  const headValue = metricValue(head, definition);
  const outcome = (held: boolean, detail: string, extra: Partial<RuleOutcome> = {}): RuleOutcome => ({
    kind: 'regression',
    strategy,
    plan,
    metric: regression.metric,
    rule: regression.text,
    held,
    actual: headValue,
    base: baseValue,
    detail,
    message: `${strategy}: max regression ${regression.text} ${held ? 'holds' : 'crossed'}: ${detail}`,
    ...extra,
  });
  if (baseValue === null || headValue === null) {
    const side = baseValue === null ? 'base' : 'head';
    return outcome(true, `${regression.metric} was not measured in the ${side}; not judged`);
  }
  const worse = regressionOf(definition.better, baseValue, headValue);
  const noise = noiseVerdict(base, head, definition);
  const exceeds = exceedsAllowed(regression, worse);
  const change = `${regression.metric} went from ${ruleValue(definition, baseValue)} to ${ruleValue(definition, headValue)} (${describeWorse(regression, worse)})`;
  const detail = !exceeds
    ? change
    : noise.beyond
      ? `${change}, ${describeNoise(noise)}`
      : `${change}: more than allowed, but ${describeNoise(noise)}`;
  return outcome(!(exceeds && noise.beyond), detail, { noise });
}

function controlChange(control: Pair | undefined, metric: MetricDefinition): ControlChange | undefined {
  if (control === undefined || control.base === null || control.head === null) return undefined;
  const base = metricValue(control.base, metric);
  const head = metricValue(control.head, metric);
  const worse = base === null || head === null ? null : regressionOf(metric.better, base, head);
  return { base, head, worseBy: worse?.worseBy ?? null, worsePercent: worse?.worsePercent ?? null };
}

/**
 * Puts two runs (or two matrix or grid runs) side by side. Results pair as {@link pairResults}
 * says; pairs whose {@link GATE_SETTINGS} differ are refused (ConfigurationError naming the
 * differences) unless `allowDifferentSettings`. Thresholds apply to every head result and
 * allowed regressions to every pair, each by its scope (reports/scope.ts); a regression is
 * crossed only beyond the noise (reports/noise.ts). Every delta carries db-only's change under
 * the same plan beside it.
 */
export function compareResults(
  base: RunResult | readonly RunResult[],
  head: RunResult | readonly RunResult[],
  options: CompareOptions = {},
): Comparison {
  const thresholds = options.thresholds ?? [];
  const maxRegressions = options.maxRegressions ?? [];
  const pairs = pairResults(base, head);
  const differencesOf = new Map<Pair, SettingDifference[]>();
  for (const pair of pairs) {
    if (pair.base !== null && pair.head !== null)
      differencesOf.set(pair, gateDifferences(pair.base, pair.head));
  }
  const allDifferences = uniqueDifferences([...differencesOf.values()].flat());
  if (allDifferences.length > 0 && options.allowDifferentSettings !== true) {
    const said = allDifferences.map((d) => `${d.setting} ${d.base} ≠ ${d.head}`).join('; ');
    throw new ConfigurationError(
      `base and head ran with different settings (${said}); they do not measure the same thing (--allow-different-settings compares them anyway)`,
    );
  }
  const metrics = listedMetrics(options);
  const controlFor = (pair: Pair): Pair | undefined =>
    pair.strategy === CONTROL_STRATEGY
      ? undefined
      : pairs.find((p) => p.strategy === CONTROL_STRATEGY && p.plan === pair.plan);
  const manyPlans = new Set(pairs.map((p) => p.plan)).size > 1;
  const strategies = pairs.map((pair): StrategyComparison => {
    const rules: RuleOutcome[] = [];
    if (pair.head !== null) {
      rules.push(...checkThresholds(pair.head, thresholds));
      if (pair.base !== null) {
        for (const regression of rulesFor(maxRegressions, pair.head)) {
          rules.push(checkRegression(pair.base, pair.head, regression));
        }
      }
    }
    const crossings = rules.filter((rule) => !rule.held);
    const crossedMetrics = new Set(crossings.map((c) => c.metric));
    const control = controlFor(pair);
    const deltas = metrics.map((metric): MetricDelta => {
      const baseValue = pair.base === null ? null : metricValue(pair.base, metric);
      const headValue = pair.head === null ? null : metricValue(pair.head, metric);
      const regression =
        baseValue === null || headValue === null ? null : regressionOf(metric.better, baseValue, headValue);
      const baseSpread = pair.base?.repeats?.metrics[metric.name];
      const headSpread = pair.head?.repeats?.metrics[metric.name];
      const change = controlChange(control, metric);
      return {
        metric,
        base: baseValue,
        head: headValue,
        ...(baseSpread === undefined ? {} : { baseSpread }),
        ...(headSpread === undefined ? {} : { headSpread }),
        worseBy: regression?.worseBy ?? null,
        worsePercent: regression?.worsePercent ?? null,
        crossed: crossedMetrics.has(metric.name),
        ...(change === undefined ? {} : { control: change }),
      };
    });
    return {
      strategy: pair.strategy,
      plan: pair.plan,
      label: manyPlans ? `${pair.strategy} @ ${pair.plan}` : pair.strategy,
      base: pair.base,
      head: pair.head,
      deltas,
      rules,
      crossings,
      differences: differencesOf.get(pair) ?? [],
    };
  });
  const heads = pairs.flatMap((p) => (p.head === null ? [] : [p.head]));
  const coversSome = (rule: Threshold | MaxRegression): boolean =>
    heads.some((h) => scopeCovers(rule.scope, h.run.strategy, planTags(h)));
  const unmatched = [...thresholds, ...maxRegressions].filter((rule) => !coversSome(rule)).map((r) => r.text);
  const rules = strategies.flatMap((s) => s.rules);
  return {
    strategies,
    rules,
    crossings: rules.filter((rule) => !rule.held),
    thresholds,
    maxRegressions,
    unmatched,
    differences: allDifferences,
  };
}

function uniqueDifferences(differences: readonly SettingDifference[]): SettingDifference[] {
  const seen = new Map<string, SettingDifference>();
  for (const d of differences) seen.set(`${d.setting}\u0000${d.base}\u0000${d.head}`, d);
  return [...seen.values()];
}
