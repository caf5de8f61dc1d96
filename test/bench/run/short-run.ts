import type { BenchOptions } from '../../../bench/cli/options.ts';
import { DEFAULT_FLUSH_BATCH_SIZE, DEFAULT_FLUSH_INTERVAL_MS } from '../../../strategies/defaults.ts';

/**
 * Options of a short in-process run for integration tests: ycsb-a over 200 keys, 8 clients,
 * 2 s measured after 300 ms of warm-up, through Toxiproxy.
 */
export function shortRun(seed: number, overrides: Partial<BenchOptions> = {}): BenchOptions {
  return {
    strategies: [],
    matrix: false,
    workload: {
      name: 'ycsb-a',
      readRatio: 0.5,
      distribution: 'zipfian',
      zipfConstant: 0.99,
      keys: 200,
      valueSize: 32,
    },
    load: { kind: 'closed', clients: 8 },
    durationMs: 2000,
    warmupMs: 300,
    settleMs: 200,
    seed,
    ttlSeconds: 0,
    env: 'local',
    outDir: undefined,
    keepHistory: false,
    viaProxy: true,
    driver: 'in-process',
    flushIntervalMs: DEFAULT_FLUSH_INTERVAL_MS,
    flushBatchSize: DEFAULT_FLUSH_BATCH_SIZE,
    thresholds: [],
    allowExistingDb: false,
    ...overrides,
  };
}
