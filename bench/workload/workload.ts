import { OP_READ, OP_WRITE } from '../../checker/types.ts';
import { createRng, type Rng } from '../../kernel/random.ts';
import { createScrambler, createZipfian, type ZipfianGenerator } from './zipfian.ts';

/** Key distributions the CLI accepts. */
export const DISTRIBUTIONS = ['uniform', 'zipfian', 'hotspot', 'latest'] as const;
export type Distribution = (typeof DISTRIBUTIONS)[number];

/** A named read/write mix with its default key distribution (YCSB's where it fits). */
export interface WorkloadPreset {
  name: string;
  readRatio: number;
  distribution: Distribution;
  summary: string;
}

/** The presets, in the order `--list` shows them. */
export const WORKLOAD_PRESETS: readonly WorkloadPreset[] = [
  { name: 'ycsb-a', readRatio: 0.5, distribution: 'zipfian', summary: 'update heavy: 50% reads, 50% writes' },
  { name: 'ycsb-b', readRatio: 0.95, distribution: 'zipfian', summary: 'read mostly: 95% reads, 5% writes' },
  { name: 'ycsb-c', readRatio: 1, distribution: 'zipfian', summary: 'read only: 100% reads' },
  { name: 'write-heavy', readRatio: 0.2, distribution: 'zipfian', summary: '20% reads, 80% writes' },
  {
    name: 'hot-keys',
    readRatio: 0.99,
    distribution: 'hotspot',
    summary:
      'read mostly on a hot set: 99% reads, 80% of operations on 20% of keys (with a short --ttl: the stampede)',
  },
];

/** Finds a preset by name, or undefined. */
export function findWorkload(name: string): WorkloadPreset | undefined {
  return WORKLOAD_PRESETS.find((preset) => preset.name === name);
}

/** Hotspot shape (YCSB's hotspot generator defaults scaled to ours): 20% of keys get 80% of operations. */
export const HOTSPOT_KEY_SHARE = 0.2;
export const HOTSPOT_OP_SHARE = 0.8;

/** Everything that decides the operation sequence. */
export interface WorkloadSpec {
  name: string;
  readRatio: number;
  distribution: Distribution;
  /** Zipfian constant, used by `zipfian` and `latest`. */
  zipfConstant: number;
  keys: number;
  valueSize: number;
}

/** One client's operation source. `next()` writes into `kind`/`key` instead of allocating. */
export interface OperationStream {
  /** OP_READ or OP_WRITE of the operation last drawn. */
  kind: number;
  /** Key (1..keys) of the operation last drawn. */
  key: number;
  /** How many operations were drawn so far. */
  drawn: number;
  next(): void;
}

/**
 * Builds the deterministic operation stream of `clientId` under `seed`: the same
 * (spec, seed, clientId) always gives the same sequence, whatever other clients do.
 *
 * `latest` has no inserts to follow (the key space is fixed), so it follows a moving
 * frontier instead: the client's i-th operation sees frontier key
 * `floor(i × writeShare) mod keys + 1`; writes go to the frontier and reads to
 * `frontier − zipf rank`, so reads favour the keys written most recently. Clients
 * advance at similar rates, so they share the frontier and contend on it.
 */
export function createOperationStream(spec: WorkloadSpec, seed: number, clientId: number): OperationStream {
  const rng = createRng(seed, clientId);
  const drawKey = keyDrawer(spec, rng);
  const stream: OperationStream = {
    kind: OP_READ,
    key: 1,
    drawn: 0,
    next() {
      const isRead = spec.readRatio >= 1 || (spec.readRatio > 0 && rng.nextFloat() < spec.readRatio);
      stream.kind = isRead ? OP_READ : OP_WRITE;
      stream.key = drawKey(stream.kind, stream.drawn);
      stream.drawn++;
    },
  };
  return stream;
}

type KeyDrawer = (kind: number, index: number) => number;

function keyDrawer(spec: WorkloadSpec, rng: Rng): KeyDrawer {
  const keys = spec.keys;
  switch (spec.distribution) {
    case 'uniform':
      return () => rng.nextInt(keys) + 1;
    case 'zipfian': {
      const zipf = createZipfian(keys, spec.zipfConstant);
      const scramble = createScrambler(keys);
      return () => scramble(zipf.nextRank(rng)) + 1;
    }
    case 'hotspot': {
      const hotKeys = Math.max(1, Math.floor(keys * HOTSPOT_KEY_SHARE));
      const coldKeys = keys - hotKeys;
      return () =>
        coldKeys === 0 || rng.nextFloat() < HOTSPOT_OP_SHARE
          ? rng.nextInt(hotKeys) + 1
          : hotKeys + rng.nextInt(coldKeys) + 1;
    }
    case 'latest':
      return latestDrawer(createZipfian(keys, spec.zipfConstant), 1 - spec.readRatio, rng);
  }
}

function latestDrawer(zipf: ZipfianGenerator, writeShare: number, rng: Rng): KeyDrawer {
  const keys = zipf.items;
  return (kind, index) => {
    const frontier = Math.floor(index * writeShare) % keys;
    if (kind === OP_WRITE) return frontier + 1;
    return ((((frontier - zipf.nextRank(rng)) % keys) + keys) % keys) + 1;
  };
}
