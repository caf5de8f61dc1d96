import { METRICS, type MetricDefinition } from './metrics.ts';
import { BOOTSTRAP_RESAMPLES, bootstrapInterval, CONFIDENCE_LEVEL, mean, median } from './stats.ts';
import type { MetricSpread, RepeatedRuns, RunResult, SpreadMethod } from './types.ts';

/**
 * `--runs N`: the same strategy and plan run N times with one seed, summarised per metric as the
 * median over the runs and a 95% interval (docs/definitions.md "Repeated runs and noise").
 * Pure: the same runs give the same numbers.
 */

/**
 * From this many runs on, an interval is a bootstrap over the runs; below it, over the runs'
 * seconds. Five is where the median's interval becomes usable: with n runs, [lowest, highest]
 * covers the median with probability 1 − 2·0.5ⁿ (75% at 3, 94% at 5), and a Mann–Whitney test
 * over n against n runs can reject at 0.05 only from 4 (its smallest p: 0.1 at 3, 0.029 at 4,
 * 0.008 at 5).
 */
export const MIN_RUNS_FOR_BOOTSTRAP = 5;

/** The seed's generator streams the intervals draw from: one per metric, above the workload's and the fault plan's. */
const BOOTSTRAP_STREAM = 0x2_0000;

/** The runs a result holds: its repeats, or itself. */
export function runsOf(result: RunResult): RunResult[] {
  return result.repeats?.runs ?? [result];
}

/**
 * The timeline's whole seconds: the per-second samples of a run. The last second also counts
 * the operations in flight at the stop; a second that ends more than 10 ms after the measured
 * time (a partial last second of a 2.5 s run) is left out. A run shorter than a second keeps all.
 */
export function wholeSeconds(result: RunResult): RunResult['throughput']['timeline'] {
  const timeline = result.throughput.timeline;
  const whole = timeline.filter((point) => (point.second + 1) * 1000 <= result.run.durationMs + 10);
  return whole.length === 0 ? timeline : whole;
}

/** The per-second samples of `metric` over `runs`, pooled (empty when the metric has no per-second series). */
export function perSecondSamples(runs: readonly RunResult[], metric: MetricDefinition): number[] {
  const sample = metric.perSecond;
  if (sample === undefined) return [];
  const values: number[] = [];
  for (const run of runs) {
    for (const point of wholeSeconds(run)) {
      const value = sample(point);
      if (value !== null && Number.isFinite(value)) values.push(value);
    }
  }
  return values;
}

/** Each run's value of `metric`, the runs that could not measure it left out. */
export function perRunValues(runs: readonly RunResult[], metric: MetricDefinition): number[] {
  return runs.map((run) => metric.value(run)).filter((v): v is number => v !== null);
}

/**
 * One metric over `runs`: the median of the runs' values, and its interval by the method the
 * number of runs allows:
 * - `runs` (5 runs or more): the percentile bootstrap of the median over the runs;
 * - `seconds` (fewer, with a per-second series): the percentile bootstrap of the mean of the
 *   pooled per-second samples, scaled by median / (their mean), so the interval is the
 *   seconds' relative spread around the runs' median (the median itself when that mean is 0);
 * - `range` (fewer, no per-second series): the lowest and the highest run.
 * `seed` and `stream` fix the resampling.
 */
export function spreadOf(
  runs: readonly RunResult[],
  metric: MetricDefinition,
  seed: number,
  stream: number,
): MetricSpread {
  const values = runs.map((run) => metric.value(run));
  const measured = values.filter((v): v is number => v !== null);
  const method: SpreadMethod =
    runs.length >= MIN_RUNS_FOR_BOOTSTRAP ? 'runs' : metric.perSecond === undefined ? 'range' : 'seconds';
  if (measured.length === 0) return { median: null, lo: null, hi: null, method, values };
  const middle = median(measured);
  if (method === 'runs') {
    const { lo, hi } = bootstrapInterval(measured, { statistic: median, seed, stream });
    return { median: middle, lo, hi, method, values };
  }
  if (method === 'range') {
    return { median: middle, lo: Math.min(...measured), hi: Math.max(...measured), method, values };
  }
  const seconds = perSecondSamples(runs, metric);
  const secondsMean = mean(seconds);
  if (seconds.length === 0 || !(secondsMean > 0))
    return { median: middle, lo: middle, hi: middle, method, values };
  const { lo, hi } = bootstrapInterval(seconds, { statistic: mean, seed, stream });
  return {
    median: middle,
    lo: Math.min(middle, (middle * lo) / secondsMean),
    hi: Math.max(middle, (middle * hi) / secondsMean),
    method,
    values,
  };
}

/** Every metric's spread over `runs` (seeded by the first run's seed, one stream per metric). */
export function spreadsOf(runs: readonly RunResult[]): Record<string, MetricSpread> {
  const seed = runs[0]?.run.seed ?? 0;
  return Object.fromEntries(
    METRICS.map((metric, i) => [metric.name, spreadOf(runs, metric, seed, BOOTSTRAP_STREAM + i)]),
  );
}

/**
 * The run of median goodput among `runs` (the lower of the two middle ones for an even count):
 * the one whose figures, examples and charts a repeated result shows.
 */
export function representativeIndex(runs: readonly RunResult[]): number {
  const order = runs.map((run, i) => ({ i, goodput: run.throughput.goodput }));
  order.sort((a, b) => a.goodput - b.goodput || a.i - b.i);
  return order[(order.length - 1) >> 1]?.i ?? 0;
}

/**
 * One result of N runs of the same strategy and plan: the representative run's own result,
 * with `repeats` holding every run and each metric's median and interval, and `interrupted`
 * true when any run was. A single run is returned as it is.
 */
export function aggregateRuns(runs: readonly RunResult[]): RunResult {
  const first = runs[0];
  if (first === undefined) throw new Error('aggregateRuns needs at least one run');
  if (runs.length === 1) return first;
  const plain = runs.map(({ repeats: _nested, ...run }) => run);
  const representative = representativeIndex(plain);
  const shown = plain[representative] as RunResult;
  const repeats: RepeatedRuns = {
    count: plain.length,
    representative,
    level: CONFIDENCE_LEVEL,
    resamples: BOOTSTRAP_RESAMPLES,
    metrics: spreadsOf(plain),
    runs: plain,
  };
  return {
    ...shown,
    run: { ...shown.run, interrupted: plain.some((run) => run.run.interrupted) },
    repeats,
  };
}
