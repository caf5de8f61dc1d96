import type { PlannedFault, ResolvedFault } from '../../chaos/types.ts';
import type { ProgressSample, RunEvent, RunPhase } from '../run/types.ts';

/** How often the line is sampled (rewritten on a terminal; checked for a phase change otherwise). */
const TICK_MS = 250;
/** The widest line: an 80-column terminal, less the cell the cursor sits in. */
export const PROGRESS_WIDTH = 79;

/** Where progress goes: a stream, and whether it is a terminal (and how wide). */
export type ProgressOut = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/** What the progress line says besides the live figures: the run and where it sits in the session. */
export interface ProgressContext {
  /** The strategy. */
  label: string;
  /** This run's place among the session's runs (a matrix, a grid, `--runs`): `[2/5]`. */
  position?: { index: number; total: number };
  warmupMs: number;
  durationMs: number;
  /** The plan: each fault's window, in ms from the end of the warm-up. */
  faults: readonly (PlannedFault & Partial<Pick<ResolvedFault, 'id'>>)[];
}

/** The phases the line names. */
export type ShownPhase = 'preparing' | 'warm-up' | 'measuring' | 'draining' | 'checking';

/** What one line shows. */
export interface ProgressState {
  phase: ShownPhase;
  /** The live figures while the load runs. */
  sample?: ProgressSample;
  opsPerSec?: number;
}

const PHASE_OF_EVENT: Record<RunPhase, ShownPhase | undefined> = {
  preparing: 'preparing',
  load: undefined,
  'winding-down': 'draining',
  observing: 'checking',
  analysing: 'checking',
};

/**
 * The line: `[2/5] cache-aside measuring 7s left · fault latency#1 · 21345 ops/s · 0 errors ·
 * 3 stale so far`, its least important parts dropped (from the end) until it fits `width`.
 */
export function formatProgress(
  context: ProgressContext,
  state: ProgressState,
  width = PROGRESS_WIDTH,
): string {
  const position =
    context.position === undefined ? '' : `[${context.position.index}/${context.position.total}] `;
  const sample = state.sample;
  const left = sample === undefined ? undefined : timeLeft(context, state.phase, sample);
  const head = `${position}${context.label} ${state.phase}${left === undefined ? '' : ` ${formatLeft(left)} left`}`;
  const parts = [head];
  if (sample !== undefined) {
    const active = activeFaults(context, state.phase, sample.measuredMs);
    if (active.length > 0) parts.push(`fault ${active.join(', ')}`);
    parts.push(`${Math.round(state.opsPerSec ?? 0)} ops/s`);
    parts.push(`${sample.errors} errors`);
    parts.push(`${sample.staleSoFar} stale so far`);
  }
  while (parts.length > 1 && parts.join(' · ').length > width) parts.pop();
  const line = parts.join(' · ');
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}

/** What remains of the load: warm-up and measurement, or measurement; none once it stops. */
function timeLeft(context: ProgressContext, phase: ShownPhase, sample: ProgressSample): number | undefined {
  if (phase === 'warm-up') return Math.max(0, context.warmupMs - sample.elapsedMs) + context.durationMs;
  if (phase === 'measuring') return Math.max(0, context.durationMs - sample.measuredMs);
  return undefined;
}

/** `7s`, `1m05s`: whole seconds, rounded up, so 0s shows only at the very end. */
export function formatLeft(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

/** The faults whose window holds this moment of the measured load (by id, else by kind). */
function activeFaults(context: ProgressContext, phase: ShownPhase, measuredMs: number): string[] {
  if (phase !== 'measuring') return [];
  return context.faults
    .filter((f) => f.fault !== 'calm' && f.at <= measuredMs && measuredMs < f.at + f.duration)
    .map((f) => f.id ?? f.fault);
}

/**
 * A subscriber to one run's events (autocannon's progressTracker) that shows its progress on
 * `out` from its first event until `stop()`: on a terminal one line rewritten in place every
 * 250 ms and cleared at the end (no trail); otherwise a line only when the phase changes. Its
 * warnings are printed as they come, each prefixed with the strategy.
 */
export function runProgress(
  out: ProgressOut,
  context: ProgressContext,
  isTTY: boolean = out.isTTY === true,
): { onEvent: (event: RunEvent) => void; stop: () => void } {
  // A terminal that reports no size (0 columns, as some pseudo-terminals do) is taken as 80 wide.
  const columns = out.columns !== undefined && out.columns > 0 ? out.columns : 80;
  const width = Math.min(PROGRESS_WIDTH, Math.max(20, columns - 1));
  let phase: ShownPhase | undefined;
  let sampler: (() => ProgressSample) | undefined;
  let printedPhase: ShownPhase | undefined;
  let drawn = false;
  // The rate covers about the last second of measured time (warm-up operations are not counted).
  const window: { ops: number; measuredMs: number }[] = [];
  const state = (): ProgressState | undefined => {
    if (phase === undefined) return undefined;
    const sample = sampler?.();
    if (sample === undefined) return { phase };
    const shown: ShownPhase =
      phase === 'draining' || phase === 'checking'
        ? phase
        : sample.phase === 'stopping'
          ? 'draining'
          : sample.phase;
    const oldest = window[0] ?? { ops: sample.ops, measuredMs: sample.measuredMs };
    window.push({ ops: sample.ops, measuredMs: sample.measuredMs });
    if (window.length > 1000 / TICK_MS) window.shift();
    const opsPerSec = ((sample.ops - oldest.ops) * 1000) / Math.max(1, sample.measuredMs - oldest.measuredMs);
    return { phase: shown, sample, opsPerSec };
  };
  const show = (): void => {
    const current = state();
    if (current === undefined) return;
    if (isTTY) {
      out.write(`\r${formatProgress(context, current, width)}\x1b[K`);
      drawn = true;
    } else if (current.phase !== printedPhase) {
      printedPhase = current.phase;
      out.write(`${formatProgress(context, current, width)}\n`);
    }
  };
  const clear = (): void => {
    if (drawn) out.write('\r\x1b[K');
    drawn = false;
  };
  const timer = setInterval(show, TICK_MS);
  timer.unref();
  return {
    onEvent: (event) => {
      if (event.type === 'phase') {
        const next = PHASE_OF_EVENT[event.phase];
        if (next !== undefined) {
          phase = next;
          if (next !== 'preparing') sampler = undefined;
        }
      } else if (event.type === 'load-start') {
        phase = 'warm-up';
        sampler = event.sample;
      } else if (event.type === 'load-stop') {
        phase = 'draining';
        sampler = undefined;
      } else if (event.type === 'warning') {
        clear();
        out.write(`[${context.label}] warning: ${event.message}\n`);
        return;
      }
      show();
    },
    stop: () => {
      clearInterval(timer);
      clear();
    },
  };
}
