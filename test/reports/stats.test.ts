import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bootstrapInterval, erfc, mannWhitney, mean, median, normalUpperTail } from '../../reports/stats.ts';

const close = (actual: number, expected: number, tolerance: number, what: string): void =>
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual}, expected ${expected} ± ${tolerance}`,
  );

/** P(U ≤ u) by enumerating every way of placing sample A among the ranks (the definition). */
function bruteForceTwoSided(n1: number, n2: number, u: number): number {
  const n = n1 + n2;
  let total = 0;
  let atMost = 0;
  const tail = Math.min(u, n1 * n2 - u);
  const choose = (start: number, left: number, picked: number[]): void => {
    if (left === 0) {
      // U of A: for each member, the B members below it.
      const uA = picked.reduce((sum, position, k) => sum + (position - k), 0);
      total++;
      if (uA <= tail) atMost++;
      return;
    }
    for (let p = start; p <= n - left; p++) choose(p + 1, left - 1, [...picked, p]);
  };
  choose(0, n1, []);
  return Math.min(1, (2 * atMost) / total);
}

describe('median and mean', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(median([7]), 7);
    assert.ok(Number.isNaN(median([])));
    assert.equal(mean([1, 2, 3, 6]), 3);
  });
});

describe('erfc and the normal tail', () => {
  it('matches known values', () => {
    close(erfc(0), 1, 1e-7, 'erfc(0)');
    close(erfc(1), 0.15729920705028513, 1e-7, 'erfc(1)');
    close(erfc(0.5), 0.4795001221869535, 1e-7, 'erfc(0.5)');
    close(erfc(-1), 1.8427007929497148, 1e-7, 'erfc(-1)');
    close(normalUpperTail(1.959963984540054), 0.025, 1e-8, 'P(Z > 1.96)');
  });
});

describe('Mann–Whitney U', () => {
  // scipy.stats.mannwhitneyu's documented example (males against females).
  const males = [19, 22, 16, 29, 24];
  const females = [20, 11, 17, 12];

  it('gives the exact p-value of small samples without ties (scipy: U 17, p 0.1111)', () => {
    const result = mannWhitney(males, females);
    assert.equal(result.u, 17);
    assert.equal(result.method, 'exact');
    close(result.p, 7 / 63, 1e-12, 'p');
  });

  it('gives the asymptotic p-value with the continuity correction (scipy: p 0.11134688653314041)', () => {
    const result = mannWhitney(males, females, 'asymptotic');
    assert.equal(result.u, 17);
    close(result.p, 0.11134688653314041, 1e-6, 'p');
  });

  it('five runs all below five others: U 0, p = 2/252', () => {
    const result = mannWhitney([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
    assert.equal(result.u, 0);
    close(result.p, 2 / 252, 1e-12, 'p');
    // Three against three can never reach 0.05: the smallest p is 2/20.
    close(mannWhitney([1, 2, 3], [4, 5, 6]).p, 0.1, 1e-12, 'p of 3 vs 3');
  });

  it('corrects for ties (mid-ranks, tie-corrected variance)', () => {
    const result = mannWhitney([1, 2, 2, 3, 3, 3, 4], [3, 4, 4, 5, 5, 6, 7, 7]);
    assert.equal(result.method, 'asymptotic');
    assert.equal(result.u, 3.5);
    close(result.p, 0.004793348746185464, 1e-6, 'p');
  });

  it('cannot reject when every value ties, or a sample is empty', () => {
    assert.equal(mannWhitney([0, 0, 0], [0, 0, 0, 0]).p, 1);
    assert.equal(mannWhitney([], [1, 2]).p, 1);
    assert.equal(mannWhitney([0, 0, 0, 1, 0], [0, 0, 2, 0, 0]).p, 1);
  });

  it('the exact distribution equals enumeration of every arrangement', () => {
    for (const [n1, n2] of [
      [1, 1],
      [2, 3],
      [3, 5],
      [4, 4],
      [5, 6],
      [7, 3],
    ] as const) {
      for (let u = 0; u <= n1 * n2; u++) {
        // B is 1..n2; A's k-th member sits just above below[k] of them (distinct values), so U = Σ below = u.
        const below = new Array<number>(n1).fill(0);
        let left = u;
        for (let k = n1 - 1; k >= 0; k--) {
          below[k] = Math.min(n2, left);
          left -= below[k] as number;
        }
        const aPlaced = below.map((count, k) => count + 0.5 + k / 1000);
        const b = Array.from({ length: n2 }, (_v, j) => j + 1);
        const result = mannWhitney(aPlaced, b);
        assert.equal(result.u, u, `U of ${n1} vs ${n2}`);
        close(result.p, bruteForceTwoSided(n1, n2, u), 1e-12, `p of U ${u}, ${n1} vs ${n2}`);
      }
    }
  });

  it('is symmetric: swapping the samples keeps p', () => {
    const a = [3.1, 4.5, 2.2, 8.9, 5.5, 6.1];
    const b = [1.1, 0.4, 2.9, 3.3, 1.7, 0.9, 2.0, 1.2, 0.3];
    close(mannWhitney(a, b).p, mannWhitney(b, a).p, 1e-12, 'p');
  });
});

describe('bootstrap interval', () => {
  it('is seeded: the same values and seed give the same interval', () => {
    const values = [374, 269, 350, 301, 322, 340, 298];
    const options = { statistic: median, seed: 7, stream: 3 };
    assert.deepEqual(bootstrapInterval(values, options), bootstrapInterval(values, options));
    const other = bootstrapInterval(values, { ...options, seed: 8 });
    assert.ok(other.lo <= 322 && other.hi >= 322);
  });

  it('the 95% interval of the median of five runs is their range', () => {
    // P(resampled median = the smallest of 5) = 0.058 > 0.025, so both ends are the extremes.
    const interval = bootstrapInterval([10, 12, 11, 15, 9], { statistic: median, seed: 1, stream: 0 });
    assert.deepEqual(interval, { lo: 9, hi: 15 });
  });

  it('the interval of a mean of many values is close to mean ± 1.96 standard errors', () => {
    const values = Array.from({ length: 100 }, (_v, i) => i + 1);
    const interval = bootstrapInterval(values, { statistic: mean, seed: 42, stream: 1 });
    // Population sd of 1..100 is 28.866; its standard error over 100 values 2.887.
    close(interval.lo, 50.5 - 1.96 * 2.887, 0.7, 'lo');
    close(interval.hi, 50.5 + 1.96 * 2.887, 0.7, 'hi');
  });

  it('one value is its own interval', () => {
    assert.deepEqual(bootstrapInterval([5], { statistic: median, seed: 1, stream: 0 }), { lo: 5, hi: 5 });
  });
});
