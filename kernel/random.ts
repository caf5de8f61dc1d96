/**
 * A small, fast, seeded pseudo-random generator (xoshiro128**), seeded through
 * splitmix32 from (seed, stream) so that each client's sequence depends only on the
 * run's seed and the client's id, never on how the clients interleave.
 */
export interface Rng {
  /** Next unsigned 32-bit integer. */
  nextU32(): number;
  /** Next float in [0, 1) with 32 random bits. */
  nextFloat(): number;
  /** Next integer in [0, bound), unbiased, for 1 <= bound <= 2^32. */
  nextInt(bound: number): number;
}

const TWO_POW_32 = 4294967296;

/** splitmix32 step: turns any 32-bit state into well-mixed 32-bit words. */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * Creates the generator for `stream` (a client id, or any other independent consumer)
 * under `seed`. The same pair always yields the same sequence.
 */
export function createRng(seed: number, stream: number): Rng {
  // Mix seed and stream through two splitmix rounds so nearby seeds/streams diverge at once.
  const mixer = { s: (seed >>> 0) ^ Math.imul(stream + 1, 0x632be5ab) };
  const seedHigh = Math.floor(seed / TWO_POW_32) >>> 0;
  mixer.s = (mixer.s ^ splitmix32({ s: seedHigh })) | 0;
  let a = splitmix32(mixer);
  let b = splitmix32(mixer);
  let c = splitmix32(mixer);
  let d = splitmix32(mixer);
  if ((a | b | c | d) === 0) a = 1; // xoshiro's only forbidden state

  const nextU32 = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };
  const nextFloat = (): number => nextU32() / TWO_POW_32;
  const nextInt = (bound: number): number => {
    // Rejecting the top partial range keeps the result unbiased for any bound.
    const limit = TWO_POW_32 - (TWO_POW_32 % bound);
    let x = nextU32();
    while (x >= limit) x = nextU32();
    return x % bound;
  };
  return { nextU32, nextFloat, nextInt };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Draws for code that makes a few random choices (fault plans), on the same generator. */
export interface SeededDraws {
  /** Next float in [0, 1). */
  next(): number;
  /** Next integer in [min, max]. */
  int(min: number, max: number): number;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
}

/**
 * {@link createRng} for `stream` under `seed`, as a few convenient draws. Streams below 2^16
 * are the workload's clients; other consumers of the seed take a stream of their own above.
 */
export function seededDraws(seed: number, stream: number): SeededDraws {
  const rng = createRng(seed, stream);
  const int = (min: number, max: number): number => min + rng.nextInt(max - min + 1);
  return {
    next: rng.nextFloat,
    int,
    pick<T>(items: readonly T[]): T {
      const item = items[int(0, items.length - 1)];
      if (item === undefined) throw new Error('pick from an empty list');
      return item;
    },
  };
}
