/** Everything recorded while the load runs: the columnar history and its file, the one recorder, latency histograms, step traces, the clock. */
export { RunClock } from './clock.ts';
export { errorKindOf } from './error-kind.ts';
export { HISTORY_FORMAT_VERSION, loadHistory, saveHistory } from './history-file.ts';
export { type MetricsSnapshot, RunMetrics, type SecondMetrics, summarizeLatency } from './metrics.ts';
export { OperationRecorder } from './operation-recorder.ts';
export { HistoryRecorder, OPEN_AT_STOP, OTHER_ERROR } from './recorder.ts';
export { DEFAULT_STEP_CAPACITY, FULLY_TRACED_KEYS, StepRing, sampleMaskFor } from './step-trace.ts';
