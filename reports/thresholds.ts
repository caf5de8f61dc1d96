import { ConfigurationError } from '../kernel/index.ts';
import { formatPercent } from './format.ts';
import { findMetric, METRICS, type MetricDefinition } from './metrics.ts';
import type { RunResult } from './types.ts';

/** A comparison operator a threshold may use. */
export type ThresholdOperator = '<' | '<=' | '>' | '>=' | '==';

/** `staleReadRate<=0.0001`: the head run must satisfy `metric operator value`. */
export interface Threshold {
  metric: string;
  operator: ThresholdOperator;
  value: number;
  /** As the user wrote it, for messages. */
  text: string;
}

/** `goodput=10%`: the head may be at most this much worse than the base (in the metric's bad direction). */
export interface MaxRegression {
  metric: string;
  /** Percent when `relative`, else an amount in the metric's unit. */
  allowed: number;
  relative: boolean;
  text: string;
}

/** A threshold or an allowed regression the head run crossed. */
export interface Crossing {
  kind: 'threshold' | 'regression';
  /** The strategy of the run that crossed it. */
  strategy: string;
  metric: string;
  /** The rule as the user wrote it. */
  rule: string;
  /** The head's value. */
  actual: number | null;
  /** What the head did, e.g. "staleReadRate is 0.00243682 (0.244%)". */
  detail: string;
  /** One line: which rule, by what. */
  message: string;
}

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
  const match = THRESHOLD_PATTERN.exec(text);
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
  return { metric: name, operator: operator as ThresholdOperator, value, text: text.trim() };
}

/**
 * Parses `metric=N%` (at most N percent worse than the base) or `metric=N` (at most N
 * worse, in the metric's unit). Throws ConfigurationError with one line when malformed.
 */
export function parseMaxRegression(text: string): MaxRegression {
  const match = REGRESSION_PATTERN.exec(text);
  if (match === null) {
    throw new ConfigurationError(`--max-regression '${text}': expected metric=percent, e.g. 'goodput=10%'`);
  }
  const [, name = '', number = '', percent] = match;
  knownMetric(name, '--max-regression', text);
  const allowed = Number(number);
  if (allowed < 0)
    throw new ConfigurationError(`--max-regression '${text}': the allowed regression cannot be negative`);
  return { metric: name, allowed, relative: percent === '%', text: text.trim() };
}

/** A value as a rule message prints it: six significant digits, a ratio also in percent. */
function ruleValue(definition: MetricDefinition, value: number): string {
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

/** The thresholds `result` crosses, in the order given (empty when all hold). */
export function evaluateThresholds(result: RunResult, thresholds: readonly Threshold[]): Crossing[] {
  const crossings: Crossing[] = [];
  for (const threshold of thresholds) {
    const definition = knownMetric(threshold.metric, '--threshold', threshold.text);
    const actual = definition.value(result);
    if (actual !== null && holds(actual, threshold.operator, threshold.value)) continue;
    // A rule on a number the run could not measure cannot be said to hold.
    const detail =
      actual === null
        ? `${threshold.metric} was not measured in this run`
        : `${threshold.metric} is ${ruleValue(definition, actual)}`;
    crossings.push({
      kind: 'threshold',
      strategy: result.run.strategy,
      metric: threshold.metric,
      rule: threshold.text,
      actual,
      detail,
      message: `${result.run.strategy}: threshold ${threshold.text} crossed: ${detail}`,
    });
  }
  return crossings;
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

/** The allowed regressions `head` crosses against `base` (empty when all hold). */
export function evaluateRegressions(
  base: RunResult,
  head: RunResult,
  regressions: readonly MaxRegression[],
): Crossing[] {
  const crossings: Crossing[] = [];
  for (const regression of regressions) {
    const definition = knownMetric(regression.metric, '--max-regression', regression.text);
    const baseValue = definition.value(base);
    const headValue = definition.value(head);
    // Nothing to compare when either run could not measure the metric (compare shows it as not measured).
    if (baseValue === null || headValue === null) continue;
    const { worseBy, worsePercent } = regressionOf(definition.better, baseValue, headValue);
    const crossed = regression.relative
      ? worsePercent > regression.allowed + EPSILON
      : worseBy > regression.allowed + EPSILON;
    if (!crossed) continue;
    const by = regression.relative
      ? Number.isFinite(worsePercent)
        ? `${Number(worsePercent.toFixed(2))}% worse`
        : 'worse than a base of 0'
      : `worse by ${Number(worseBy.toPrecision(6))}`;
    const detail = `${regression.metric} went from ${ruleValue(definition, baseValue)} to ${ruleValue(definition, headValue)} (${by})`;
    crossings.push({
      kind: 'regression',
      strategy: head.run.strategy,
      metric: regression.metric,
      rule: regression.text,
      actual: headValue,
      detail,
      message: `${head.run.strategy}: max regression ${regression.text} crossed: ${detail}`,
    });
  }
  return crossings;
}
