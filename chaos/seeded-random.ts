/**
 * A seeded generator (mulberry32) for random fault plans: the same seed draws the same plan.
 * Kept here rather than borrowed from bench/ because chaos/ imports only services/.
 */
export interface SeededRandom {
  /** Next float in [0, 1). */
  next(): number;
  /** Next integer in [min, max]. */
  int(min: number, max: number): number;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
}

/** Creates the generator for `seed`; a salt keeps the plan's draws apart from other users of the seed. */
export function seededRandom(seed: number, salt = 0x6a09e667): SeededRandom {
  let state = (Math.floor(seed) ^ salt ^ Math.floor(seed / 4294967296)) >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => {
    const item = items[int(0, items.length - 1)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  };
  return { next, int, pick };
}
