import type { MetricDefinition } from './metrics.ts';
import { MIN_RUNS_FOR_BOOTSTRAP, perRunValues, perSecondSamples, runsOf } from './repeats.ts';
import { mannWhitney } from './stats.ts';
import type { NoiseVerdict } from './thresholds.ts';
import type { RunResult } from './types.ts';

/** The level a regression's Mann–Whitney test is judged at: beyond the noise when p < 0.05. */
export const NOISE_ALPHA = 0.05;

/**
 * Whether the change of `metric` from `base` to `head` is beyond the noise: a two-sided
 * Mann–Whitney U test of the base's samples against the head's rejects "same distribution" at
 * {@link NOISE_ALPHA}. The samples are each run's value when both sides hold at least
 * {@link MIN_RUNS_FOR_BOOTSTRAP} runs, else the runs' per-second samples (pooled) for metrics
 * that have them. A metric with neither (a count only the whole run measures, with fewer runs)
 * has no measured noise: `samples` 'none', and the change counts as beyond it, so the rule
 * judges the amount alone, as a rule without repeated runs always did.
 */
export function noiseVerdict(base: RunResult, head: RunResult, metric: MetricDefinition): NoiseVerdict {
  const baseRuns = runsOf(base);
  const headRuns = runsOf(head);
  if (baseRuns.length >= MIN_RUNS_FOR_BOOTSTRAP && headRuns.length >= MIN_RUNS_FOR_BOOTSTRAP) {
    return test('runs', perRunValues(baseRuns, metric), perRunValues(headRuns, metric));
  }
  const a = perSecondSamples(baseRuns, metric);
  const b = perSecondSamples(headRuns, metric);
  if (a.length > 0 && b.length > 0) return test('seconds', a, b);
  return {
    samples: 'none',
    p: null,
    n1: baseRuns.length,
    n2: headRuns.length,
    alpha: NOISE_ALPHA,
    beyond: true,
  };
}

function test(samples: 'runs' | 'seconds', a: number[], b: number[]): NoiseVerdict {
  const { p } = mannWhitney(a, b);
  return { samples, p, n1: a.length, n2: b.length, alpha: NOISE_ALPHA, beyond: p < NOISE_ALPHA };
}

/** The noise verdict in words: "beyond the noise (Mann–Whitney p = 0.008, 5 vs 5 runs)". */
export function describeNoise(noise: NoiseVerdict): string {
  if (noise.samples === 'none' || noise.p === null) {
    return `noise not measured (${noise.n1} vs ${noise.n2} run${noise.n2 === 1 ? '' : 's'} and no per-second series; --runs ${MIN_RUNS_FOR_BOOTSTRAP} measures it)`;
  }
  const p = noise.p < 0.001 ? noise.p.toExponential(1) : String(Number(noise.p.toPrecision(2)));
  const where = `Mann–Whitney p = ${p}, ${noise.n1} vs ${noise.n2} ${noise.samples}`;
  return noise.beyond ? `beyond the noise (${where})` : `within the noise (${where})`;
}
