import type { BenchOptions } from '../../../bench/cli/options.ts';
import { defaultWorkload, runOptions } from '../../../bench/run/defaults.ts';

/**
 * Options of a short in-process run for integration tests: ycsb-a over 200 keys, 8 clients,
 * 2 s measured after 300 ms of warm-up, through Toxiproxy (the run defaults otherwise).
 */
export function shortRun(seed: number, overrides: Partial<BenchOptions> = {}): BenchOptions {
  return {
    ...runOptions({
      workload: defaultWorkload({ name: 'ycsb-a', keys: 200, valueSize: 32 }),
      load: { kind: 'closed', clients: 8 },
      durationMs: 2000,
      warmupMs: 300,
      settleMs: 200,
      seed,
    }),
    strategies: [],
    matrix: false,
    env: 'local',
    outDir: undefined,
    keepHistory: false,
    thresholds: [],
    allowExistingDb: false,
    ...overrides,
  };
}
