/** Entry points and what only they do: options, help, the session, summaries, progress, writing a run. */
export { parseToolArgs, runIfMain, withLocalEnvironment } from './entry.ts';
export { withFaultPlan } from './fault-plan.ts';
export { formatFaultLines } from './fault-summary.ts';
export { helpText, listText } from './help.ts';
export { type BenchCommand, type BenchOptions, DEFAULTS, OPTION_NAMES, parseBenchArgs } from './options.ts';
export { formatProgress, runProgress } from './progress.ts';
export { DEFAULT_OUT_ROOT, runBenchSession, type SessionOutcome, type SessionOutput } from './session.ts';
export { formatMatrixTable, formatRunSummary } from './summary.ts';
export { HISTORY_FILE, REPORT_FILE, RESULT_FILE, writeRun } from './write-run.ts';
