import type { ProgressSample, RunEvent } from '../run/types.ts';

/** TTY refresh interval and plain-line interval. */
const TTY_REFRESH_MS = 250;
const PLAIN_EVERY_MS = 5000;

/**
 * Shows progress on `out`: one line rewritten in place on a terminal, a plain line every
 * 5 s otherwise. Returns the function that stops it (and ends the line on a terminal).
 */
export function startProgress(
  out: NodeJS.WriteStream,
  label: string,
  sample: () => ProgressSample,
  isTTY: boolean = out.isTTY === true,
): () => void {
  const intervalMs = isTTY ? TTY_REFRESH_MS : PLAIN_EVERY_MS;
  // The rate covers about the last second (or the last interval when that is longer).
  const window: Array<{ ops: number; measuredMs: number }> = [{ ops: 0, measuredMs: 0 }];
  const windowSize = Math.max(1, Math.round(1000 / intervalMs));
  const show = (): void => {
    const current = sample();
    const oldest = window[0] ?? { ops: 0, measuredMs: 0 };
    // Per measured time: warm-up operations are not counted, so warm-up time must not be either.
    const rate = ((current.ops - oldest.ops) * 1000) / Math.max(1, current.measuredMs - oldest.measuredMs);
    window.push({ ops: current.ops, measuredMs: current.measuredMs });
    if (window.length > windowSize) window.shift();
    const line = formatProgress(label, current, rate);
    if (isTTY) out.write(`\r${line}\x1b[K`);
    else out.write(`${line}\n`);
  };
  const timer = setInterval(show, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    if (isTTY) out.write('\r\x1b[K');
  };
}

/** One progress line: `[cache-aside] measuring 4.2s · 21345 ops/s · 85012 ops · 0 errors · 3 stale so far`. */
export function formatProgress(label: string, sample: ProgressSample, opsPerSec: number): string {
  return `[${label}] ${sample.phase} ${(sample.elapsedMs / 1000).toFixed(1)}s · ${Math.round(opsPerSec)} ops/s · ${sample.ops} ops · ${sample.errors} errors · ${sample.staleSoFar} stale so far`;
}

/**
 * A subscriber to a run's events (autocannon's progressTracker): shows the progress line while
 * the load runs and prints the run's warnings, each prefixed with `label`.
 */
export function progressTracker(
  out: NodeJS.WriteStream,
  label: string,
  isTTY: boolean = out.isTTY === true,
): (event: RunEvent) => void {
  let stop: (() => void) | undefined;
  return (event) => {
    if (event.type === 'load-start') stop = startProgress(out, label, event.sample, isTTY);
    else if (event.type === 'load-stop') {
      stop?.();
      stop = undefined;
    } else if (event.type === 'warning') out.write(`[${label}] warning: ${event.message}\n`);
  };
}
