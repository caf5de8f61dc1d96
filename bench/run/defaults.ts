import { DEFAULT_FLUSH_BATCH_SIZE, DEFAULT_FLUSH_INTERVAL_MS } from '../../strategies/defaults.ts';
import { findWorkload, type WorkloadSpec } from '../workload/workload.ts';
import type { RunOptions } from './types.ts';

/** The workload preset a run uses unless told otherwise. */
export const DEFAULT_WORKLOAD = 'ycsb-a';

/**
 * The one set of defaults: the CLI, `--help`, the tools and the tests all read these (autocannon
 * keeps one defaults object the same way).
 */
export const RUN_DEFAULTS = Object.freeze({
  workload: DEFAULT_WORKLOAD,
  clients: 16,
  maxInFlight: 1024,
  durationMs: 10_000,
  warmupMs: 2000,
  settleMs: 1000,
  keys: 10_000,
  valueSize: 256,
  zipfConstant: 0.99,
  ttlSeconds: 0,
  viaProxy: true,
  warmCache: true,
  driver: 'in-process',
  flushIntervalMs: DEFAULT_FLUSH_INTERVAL_MS,
  flushBatchSize: DEFAULT_FLUSH_BATCH_SIZE,
});

/** The default workload: the preset's mix and distribution over the default key space and value size. */
export function defaultWorkload(overrides: Partial<WorkloadSpec> = {}): WorkloadSpec {
  const preset = findWorkload(overrides.name ?? RUN_DEFAULTS.workload);
  if (preset === undefined) throw new Error(`unknown workload preset '${overrides.name}'`);
  return {
    name: preset.name,
    readRatio: preset.readRatio,
    distribution: preset.distribution,
    zipfConstant: RUN_DEFAULTS.zipfConstant,
    keys: RUN_DEFAULTS.keys,
    valueSize: RUN_DEFAULTS.valueSize,
    ...overrides,
  };
}

/** Complete run options: {@link RUN_DEFAULTS} with `overrides` on top (seed 1 unless given). */
export function runOptions(overrides: Partial<RunOptions> = {}): RunOptions {
  return {
    workload: defaultWorkload(),
    load: { kind: 'closed', clients: RUN_DEFAULTS.clients },
    durationMs: RUN_DEFAULTS.durationMs,
    warmupMs: RUN_DEFAULTS.warmupMs,
    settleMs: RUN_DEFAULTS.settleMs,
    seed: 1,
    ttlSeconds: RUN_DEFAULTS.ttlSeconds,
    viaProxy: RUN_DEFAULTS.viaProxy,
    warmCache: RUN_DEFAULTS.warmCache,
    driver: RUN_DEFAULTS.driver,
    flushIntervalMs: RUN_DEFAULTS.flushIntervalMs,
    flushBatchSize: RUN_DEFAULTS.flushBatchSize,
    faultPlan: [],
    ...overrides,
  };
}
