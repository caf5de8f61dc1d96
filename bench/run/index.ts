/** The run pipeline and what it owns: defaults, rows, direct connections, faults, probes, snapshot, result. */
export { DEFAULT_WORKLOAD, defaultWorkload, RUN_DEFAULTS, runOptions } from './defaults.ts';
export { type DirectConnections, openDirect } from './direct.ts';
export { type RunFaults, runFaults } from './faults.ts';
export { loadItems, makePayload } from './load-items.ts';
export { DRAIN_TIMEOUT_MS, type RunContext, runStrategy } from './pipeline.ts';
export { ConsistencyProber, PROBE_DELAYS_MS } from './probes.ts';
export { buildRunResult, type RunRecord, runId } from './result.ts';
export { takeSnapshot } from './snapshot.ts';
export type { ProgressSample, RunEvent, RunOptions, RunPhase, StrategyRun } from './types.ts';
