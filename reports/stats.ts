import { createRng } from '../kernel/index.ts';

/**
 * The statistics repeated runs and the noise-aware compare use: medians, a seeded percentile
 * bootstrap and the Mann–Whitney U test. Pure and deterministic (docs/definitions.md
 * "Repeated runs and noise").
 */

/** The median of `values` (the mean of the two middle values when there is an even number); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** The mean of `values`; NaN when empty. */
export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

/** Resamples a bootstrap draws, and the interval's confidence level. */
export const BOOTSTRAP_RESAMPLES = 2000;
export const CONFIDENCE_LEVEL = 0.95;

/** Options of {@link bootstrapInterval}. */
export interface BootstrapOptions {
  /** The statistic of one resample (the median, the mean, …). */
  statistic: (sample: readonly number[]) => number;
  /** Seeds the resampling: the same values and seed give the same interval. */
  seed: number;
  /** The generator stream under `seed` (one per metric, so metrics do not share draws). */
  stream: number;
  resamples?: number;
  level?: number;
}

/**
 * The percentile bootstrap interval of `statistic` over `values`: `resamples` samples of
 * values.length drawn with replacement (seeded), the statistic of each, sorted; the interval is
 * the ⌊B·α/2⌋-th and the (⌈B·(1 − α/2)⌉ − 1)-th of them (0-based), α = 1 − level.
 * One value gives [value, value]; no value gives [NaN, NaN].
 */
export function bootstrapInterval(
  values: readonly number[],
  options: BootstrapOptions,
): { lo: number; hi: number } {
  if (values.length === 0) return { lo: Number.NaN, hi: Number.NaN };
  if (values.length === 1) return { lo: values[0] as number, hi: values[0] as number };
  const resamples = options.resamples ?? BOOTSTRAP_RESAMPLES;
  const alpha = 1 - (options.level ?? CONFIDENCE_LEVEL);
  const rng = createRng(options.seed, options.stream);
  const n = values.length;
  const sample = new Array<number>(n);
  const statistics = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < n; i++) sample[i] = values[rng.nextInt(n)] as number;
    statistics[b] = options.statistic(sample);
  }
  statistics.sort();
  const loIndex = Math.max(0, Math.floor((resamples * alpha) / 2));
  const hiIndex = Math.min(resamples - 1, Math.ceil(resamples * (1 - alpha / 2)) - 1);
  return { lo: statistics[loIndex] as number, hi: statistics[hiIndex] as number };
}

/** What {@link mannWhitney} found. */
export interface MannWhitneyResult {
  /** U of the first sample: pairs (a, b) with a > b, plus half of the ties. */
  u: number;
  /** Two-sided p-value of "both samples come from the same distribution". */
  p: number;
  method: 'exact' | 'asymptotic';
  /** The sizes of the two samples. */
  n1: number;
  n2: number;
}

/** Exact p-values are computed when a sample has fewer than this many values (scipy's rule), with no ties. */
const EXACT_BELOW = 8;
/** …and the two together at most this many (the exact distribution's table stays small). */
const EXACT_MAX_TOTAL = 60;

/**
 * The two-sided Mann–Whitney U test of `a` against `b`. Exact (the permutation distribution
 * of U) when a sample has fewer than 8 values, the two together at most 60 and no value ties;
 * otherwise the normal approximation with the tie correction and a continuity correction of
 * 0.5 (`method` 'asymptotic' forces the approximation). When every value is the same, p = 1.
 * An empty sample gives p = 1 (nothing to reject).
 */
export function mannWhitney(
  a: readonly number[],
  b: readonly number[],
  method: 'auto' | 'asymptotic' = 'auto',
): MannWhitneyResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) return { u: 0, p: 1, method: 'exact', n1, n2 };
  const pooled = [
    ...a.map((value) => ({ value, first: true })),
    ...b.map((value) => ({ value, first: false })),
  ];
  pooled.sort((x, y) => x.value - y.value);
  // Mid-ranks (1-based) and the tie groups' sizes.
  let rankSumA = 0;
  let tieTerm = 0;
  for (let i = 0; i < pooled.length; ) {
    let j = i;
    while (
      j + 1 < pooled.length &&
      (pooled[j + 1] as { value: number }).value === (pooled[i] as { value: number }).value
    )
      j++;
    const size = j - i + 1;
    const rank = (i + 1 + j + 1) / 2;
    for (let k = i; k <= j; k++) if ((pooled[k] as { first: boolean }).first) rankSumA += rank;
    tieTerm += size ** 3 - size;
    i = j + 1;
  }
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const n = n1 + n2;
  const hasTies = tieTerm > 0;
  if (method === 'auto' && !hasTies && Math.min(n1, n2) < EXACT_BELOW && n <= EXACT_MAX_TOTAL) {
    return { u, p: exactTwoSided(n1, n2, u), method: 'exact', n1, n2 };
  }
  const mu = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) return { u, p: 1, method: 'asymptotic', n1, n2 };
  const z = Math.max(0, Math.abs(u - mu) - 0.5) / Math.sqrt(variance);
  return { u, p: Math.min(1, 2 * normalUpperTail(z)), method: 'asymptotic', n1, n2 };
}

/**
 * The exact two-sided p-value of U = u for samples of n1 and n2 distinct values:
 * 2 · P(U ≤ min(u, n1·n2 − u)) under the permutation distribution, at most 1. The counts of
 * each U are those of the subsets of n1 of the n1 + n2 ranks by their rank sum.
 */
function exactTwoSided(n1: number, n2: number, u: number): number {
  const maxU = n1 * n2;
  // ways[k][s]: subsets of k of the positions seen so far whose "positions below" sum to s.
  let ways: Float64Array[] = Array.from({ length: n1 + 1 }, () => new Float64Array(maxU + 1));
  (ways[0] as Float64Array)[0] = 1;
  for (let position = 0; position < n1 + n2; position++) {
    const next = ways.map((row) => Float64Array.from(row));
    for (let k = 1; k <= n1; k++) {
      // Taking this position as the k-th member of sample A: the members of B below it are position − (k − 1).
      const below = position - (k - 1);
      if (below < 0 || below > n2) continue;
      const from = ways[k - 1] as Float64Array;
      const to = next[k] as Float64Array;
      for (let s = 0; s + below <= maxU; s++) to[s + below] = (to[s + below] as number) + (from[s] as number);
    }
    ways = next;
  }
  const counts = ways[n1] as Float64Array;
  let total = 0;
  for (const count of counts) total += count;
  const tail = Math.min(u, maxU - u);
  let below = 0;
  for (let s = 0; s <= Math.floor(tail + 1e-9); s++) below += counts[s] as number;
  return Math.min(1, (2 * below) / total);
}

/** P(Z > z) of a standard normal Z, from the complementary error function. */
export function normalUpperTail(z: number): number {
  return erfc(z / Math.SQRT2) / 2;
}

/**
 * The complementary error function, with a fractional error below 1.2e-7 everywhere
 * (Numerical Recipes' erfcc, a Chebyshev fit).
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}
