import type { Rng } from '../../kernel/random.ts';

/** Draws item ranks in [0, items) with a Zipf distribution. */
export interface ZipfianGenerator {
  readonly items: number;
  readonly constant: number;
  /** Next rank: 0 is the most popular item, 1 the second, and so on. */
  nextRank(rng: Rng): number;
}

const zetaCache = new Map<string, number>();

/** zeta(n, theta) = sum_{i=1..n} 1 / i^theta, computed once per (n, theta) and cached. */
export function zeta(n: number, theta: number): number {
  const cacheKey = `${n}:${theta}`;
  const cached = zetaCache.get(cacheKey);
  if (cached !== undefined) return cached;
  let sum = 0;
  for (let i = 1; i <= n; i++) sum += 1 / i ** theta;
  zetaCache.set(cacheKey, sum);
  return sum;
}

/**
 * YCSB's ZipfianGenerator (Gray et al., "Quickly generating billion-record synthetic
 * databases"): constant time per draw after one O(items) zeta sum. `constant` is
 * YCSB's zipfian constant (theta), 0.99 by default, and must be in (0, 1).
 */
export function createZipfian(items: number, constant = 0.99): ZipfianGenerator {
  if (!Number.isInteger(items) || items < 1) throw new RangeError(`zipfian items must be >= 1, got ${items}`);
  if (!(constant > 0 && constant < 1))
    throw new RangeError(`zipfian constant must be in (0, 1), got ${constant}`);
  const zetan = zeta(items, constant);
  const zeta2 = zeta(2, constant);
  const alpha = 1 / (1 - constant);
  const eta = (1 - (2 / items) ** (1 - constant)) / (1 - zeta2 / zetan);
  const secondThreshold = 1 + 0.5 ** constant;
  return {
    items,
    constant,
    nextRank(rng: Rng): number {
      const u = rng.nextFloat();
      const uz = u * zetan;
      if (uz < 1) return 0;
      if (uz < secondThreshold || items < 3) return Math.min(1, items - 1);
      const rank = Math.floor(items * (eta * u - eta + 1) ** alpha);
      return rank < items ? rank : items - 1;
    },
  };
}

/**
 * Spreads ranks over the key space so popular keys are not neighbours (the idea of YCSB's
 * ScrambledZipfian). An affine map `(a × rank + b) mod items` with `a` coprime to `items`
 * is a bijection, so every key stays reachable and each keeps its rank's probability.
 */
export function createScrambler(items: number): (rank: number) => number {
  let a = Math.max(1, Math.floor(items * 0.6180339887));
  while (gcd(a, items) !== 1) a++;
  const b = Math.floor(items / 3);
  return (rank) => (a * rank + b) % items;
}

function gcd(x: number, y: number): number {
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}
