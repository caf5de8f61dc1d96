import { ConfigurationError } from '../kernel/index.ts';
import { formatPercent } from './format.ts';
import { findMetric, METRICS, type MetricDefinition, metricValue } from './metrics.ts';
import { planOf, type RuleScope, rulesFor, splitScope } from './scope.ts';
import type { RuleCheck, RunResult } from './types.ts';

/** A comparison operator a threshold may use. */
export type ThresholdOperator = '<' | '<=' | '>' | '>=' | '==';

/** `staleReadRate<=0.0001`: the head run must satisfy `metric operator value`. */
export interface Threshold {
  metric: string;
  operator: ThresholdOperator;
  value: number;
  /** As the user wrote it, for messages. */
  text: string;
  /** Where it applies (`write-behind@redis-crash:`); absent: everywhere. */
  scope?: RuleScope;
}

/** `goodput=10%`: the head may be at most this much worse than the base (in the metric's bad direction). */
export interface MaxRegression {
  metric: string;
  /** Percent when `relative`, else an amount in the metric's unit. */
  allowed: number;
  relative: boolean;
  text: string;
  scope?: RuleScope;
}

/** The noise test of a regression rule (docs/definitions.md "Repeated runs and noise"). */
export interface NoiseVerdict {
  /** What was tested: each run's value (both sides 5 runs or more), their seconds, or nothing. */
  samples: 'runs' | 'seconds' | 'none';
  /** Two-sided Mann–Whitney p-value; null when nothing could be tested. */
  p: number | null;
  /** Sample sizes of base and head. */
  n1: number;
  n2: number;
  /** The level p is judged at. */
  alpha: number;
  /** True when the change is beyond the noise (p < alpha), or when the noise could not be measured. */
  beyond: boolean;
}

/** A threshold or an allowed regression checked on a head run (and its base): held or broken. */
export interface RuleOutcome {
  kind: 'threshold' | 'regression';
  /** The strategy of the run it was checked on. */
  strategy: string;
  /** Its plan (reports/scope.ts planOf). */
  plan: string;
  metric: string;
  /** The rule as the user wrote it. */
  rule: string;
  held: boolean;
  /** The head's value (the median over its runs when repeated). */
  actual: number | null;
  /** Regressions: the base's value. */
  base?: number | null;
  /** What the head did, e.g. "staleReadRate is 0.00243682 (0.244%)". */
  detail: string;
  /** Regressions: the noise test. */
  noise?: NoiseVerdict;
  /** One line: which rule, held or crossed, by what. */
  message: string;
}

/** A threshold or an allowed regression the head run crossed. */
export type Crossing = RuleOutcome;

const NUMBER = String.raw`[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?`;
const THRESHOLD_PATTERN = new RegExp(
  String.raw`^\s*([A-Za-z][A-Za-z0-9]*)\s*(<=|>=|==|<|>)\s*(${NUMBER})\s*(%|ms)?\s*$`,
);
const REGRESSION_PATTERN = new RegExp(String.raw`^\s*([A-Za-z][A-Za-z0-9]*)\s*=\s*(${NUMBER})\s*(%)?\s*$`);

function knownMetric(name: string, flag: string, text: string): MetricDefinition {
  const definition = findMetric(name);
  if (definition === undefined) {
    throw new ConfigurationError(
      `${flag} '${text}': unknown metric ${name}; known: ${METRICS.map((m) => m.name).join(', ')}`,
    );
  }
  return definition;
}

/**
 * Parses `metric<op>value` (op: <, <=, >, >=, ==). Ratio metrics accept a percent
 * (`hitRatio>=90%`), millisecond metrics an `ms` suffix. Throws ConfigurationError with one
 * line on bad syntax or an unknown metric.
 */
export function parseThreshold(text: string): Threshold {
  const split = splitScope(text);
  if (split === null) {
    throw new ConfigurationError(
      `--threshold '${text}': a scope needs a strategy, a plan or both before the colon, e.g. 'write-behind@redis-crash:lostWrites<=50'`,
    );
  }
  const match = THRESHOLD_PATTERN.exec(split.rest);
  if (match === null) {
    throw new ConfigurationError(
      `--threshold '${text}': expected metric, operator (<, <=, >, >=, ==) and number, e.g. 'staleReadRate<=0.0001'`,
    );
  }
  const [, name = '', operator = '', number = '', suffix] = match;
  const definition = knownMetric(name, '--threshold', text);
  let value = Number(number);
  if (suffix === '%') {
    if (definition.unit !== 'ratio') {
      throw new ConfigurationError(
        `--threshold '${text}': a percent only fits ratio metrics, and ${name} is not one`,
      );
    }
    value /= 100;
  }
  if (suffix === 'ms' && definition.unit !== 'ms') {
    throw new ConfigurationError(`--threshold '${text}': ${name} is not measured in ms`);
  }
  return {
    metric: name,
    operator: operator as ThresholdOperator,
    value,
    text: text.trim(),
    ...scoped(split.scope),
  };
}

function scoped(scope: RuleScope): { scope?: RuleScope } {
  return scope.strategy === undefined && scope.plan === undefined ? {} : { scope };
}

/**
 * Parses `metric=N%` (at most N percent worse than the base) or `metric=N` (at most N
 * worse, in the metric's unit). Throws ConfigurationError with one line when malformed.
 */
export function parseMaxRegression(text: string): MaxRegression {
  const split = splitScope(text);
  if (split === null) {
    throw new ConfigurationError(
      `--max-regression '${text}': a scope needs a strategy, a plan or both before the colon, e.g. 'write-behind:goodput=10%'`,
    );
  }
  const match = REGRESSION_PATTERN.exec(split.rest);
  if (match === null) {
    throw new ConfigurationError(`--max-regression '${text}': expected metric=percent, e.g. 'goodput=10%'`);
  }
  const [, name = '', number = '', percent] = match;
  knownMetric(name, '--max-regression', text);
  const allowed = Number(number);
  if (allowed < 0)
    throw new ConfigurationError(`--max-regression '${text}': the allowed regression cannot be negative`);
  return { metric: name, allowed, relative: percent === '%', text: text.trim(), ...scoped(split.scope) };
}

/** A value as a rule message prints it: six significant digits, a ratio also in percent. */
export function ruleValue(definition: MetricDefinition, value: number): string {
  const plain = String(Number(value.toPrecision(6)));
  return definition.unit === 'ratio' && value !== 0 ? `${plain} (${formatPercent(value)})` : plain;
}

function holds(actual: number, operator: ThresholdOperator, limit: number): boolean {
  switch (operator) {
    case '<':
      return actual < limit;
    case '<=':
      return actual <= limit;
    case '>':
      return actual > limit;
    case '>=':
      return actual >= limit;
    case '==':
      return actual === limit;
  }
}

/**
 * Every threshold that applies to `result` (by scope, the most specific per metric: see
 * reports/scope.ts), held or broken, in the order given. The value judged is the median over
 * the runs of a repeated result. A rule on a number the run could not measure does not hold.
 */
export function checkThresholds(result: RunResult, thresholds: readonly Threshold[]): RuleOutcome[] {
  const strategy = result.run.strategy;
  const plan = planOf(result);
  return rulesFor(thresholds, result).map((threshold): RuleOutcome => {
    const definition = knownMetric(threshold.metric, '--threshold', threshold.text);
    const actual = metricValue(result, definition);
    const held = actual !== null && holds(actual, threshold.operator, threshold.value);
    const median = result.repeats === undefined ? '' : ` (median of ${result.repeats.count} runs)`;
    const detail =
      actual === null
        ? `${threshold.metric} was not measured in this run`
        : `${threshold.metric} is ${ruleValue(definition, actual)}${median}`;
    return {
      kind: 'threshold',
      strategy,
      plan,
      metric: threshold.metric,
      rule: threshold.text,
      held,
      actual,
      detail,
      message: `${strategy}: threshold ${threshold.text} ${held ? 'holds' : 'crossed'}: ${detail}`,
    };
  });
}

/** The thresholds `result` crosses, in the order given (empty when all hold). */
export function evaluateThresholds(result: RunResult, thresholds: readonly Threshold[]): Crossing[] {
  return checkThresholds(result, thresholds).filter((outcome) => !outcome.held);
}

/** A rule outcome as result.json records it. */
export function ruleCheck(outcome: RuleOutcome): RuleCheck {
  return {
    rule: outcome.rule,
    metric: outcome.metric,
    held: outcome.held,
    actual: outcome.actual,
    detail: outcome.detail,
  };
}

/** How much worse head is than base: in the metric's unit and in percent of the base. */
export interface Regression {
  /** Positive when head is worse, negative when better. */
  worseBy: number;
  /** worseBy as a percent of |base|; Infinity when base is 0 and head is worse. */
  worsePercent: number;
}

/** The regression from `base` to `head` of a metric whose good direction is `better`. */
export function regressionOf(better: MetricDefinition['better'], base: number, head: number): Regression {
  const worseBy = better === 'higher' ? base - head : head - base;
  if (base === 0)
    return { worseBy, worsePercent: worseBy > 0 ? Number.POSITIVE_INFINITY : worseBy < 0 ? -100 : 0 };
  return { worseBy, worsePercent: (worseBy / Math.abs(base)) * 100 };
}

/** Float noise below this does not count as crossing an allowed regression. */
const EPSILON = 1e-9;

/** Whether a regression from `base` to `head` is more than `regression` allows (the noise aside). */
export function exceedsAllowed(regression: MaxRegression, worse: Regression): boolean {
  return regression.relative
    ? worse.worsePercent > regression.allowed + EPSILON
    : worse.worseBy > regression.allowed + EPSILON;
}

/** "15% worse", "worse by 4", "worse than a base of 0", "3% better". */
export function describeWorse(regression: MaxRegression, worse: Regression): string {
  if (regression.relative) {
    if (!Number.isFinite(worse.worsePercent))
      return worse.worseBy > 0 ? 'worse than a base of 0' : 'no change';
    const amount = Number(Math.abs(worse.worsePercent).toFixed(2));
    return worse.worseBy > 0 ? `${amount}% worse` : worse.worseBy < 0 ? `${amount}% better` : 'no change';
  }
  const amount = Number(Math.abs(worse.worseBy).toPrecision(6));
  return worse.worseBy > 0 ? `worse by ${amount}` : worse.worseBy < 0 ? `better by ${amount}` : 'no change';
}
