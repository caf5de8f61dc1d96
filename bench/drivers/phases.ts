/** Most measured operations one run records (about 1.7 GB of history); load stops there. */
export const MAX_MEASURED_OPS = 50_000_000;
/** How long stopping waits for operations in flight before closing them as unknown. */
export const STOP_GRACE_MS = 5000;

/** Why the load stopped. */
export type StopReason = 'duration' | 'interrupted' | 'op-limit';

/** When the load ran, as both load models report it. */
export interface LoadOutcome {
  /** Milliseconds from the start of measurement to the stop (0 if stopped during warm-up). */
  measuredMs: number;
  stopReason: StopReason;
  /** Open loop: measured operations that could not start on time (max in flight reached). */
  droppedOps: number;
  /** Operations still in flight after the grace period. */
  abandonedOps: number;
}

/**
 * The run's phases: warm-up, then measurement for `durationMs`, then stop. An abort
 * signal (Ctrl-C) or the operation limit stops early. `onMeasure` runs exactly once,
 * when measurement begins (not at all if stopped during warm-up).
 */
export class LoadControl {
  stopped = false;
  stopReason: StopReason = 'duration';
  private measureStartMs: number | undefined;
  private measureEndMs: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private resolveStopped: () => void = () => undefined;
  private readonly stoppedPromise = new Promise<void>((resolve) => {
    this.resolveStopped = resolve;
  });
  private readonly onAbort = (): void => this.stop('interrupted');

  constructor(
    private readonly warmupMs: number,
    private readonly durationMs: number,
    private readonly onMeasure: () => void,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** True once measurement began. */
  get measuring(): boolean {
    return this.measureStartMs !== undefined && !this.stopped;
  }

  /** Starts the phase timers; resolves when the load must stop. */
  run(): Promise<void> {
    if (this.signal?.aborted) {
      this.stop('interrupted');
      return this.stoppedPromise;
    }
    this.signal?.addEventListener('abort', this.onAbort, { once: true });
    if (this.warmupMs > 0) this.timer = setTimeout(() => this.beginMeasurement(), this.warmupMs);
    else this.beginMeasurement();
    return this.stoppedPromise;
  }

  /** Stops the load (idempotent; the first reason wins). */
  stop(reason: StopReason): void {
    if (this.stopped) return;
    this.stopped = true;
    this.stopReason = reason;
    if (this.measureStartMs !== undefined) this.measureEndMs = performance.now();
    clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.onAbort);
    this.resolveStopped();
  }

  /** Milliseconds measured (start of measurement to stop). */
  get measuredMs(): number {
    if (this.measureStartMs === undefined) return 0;
    return (this.measureEndMs ?? performance.now()) - this.measureStartMs;
  }

  private beginMeasurement(): void {
    if (this.stopped) return;
    this.measureStartMs = performance.now();
    this.onMeasure();
    this.timer = setTimeout(() => this.stop('duration'), this.durationMs);
  }
}

/** Waits for `work` at most `ms`; returns false when the time ran out first. */
export async function settleWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Lets timers and I/O run (used after a failed operation, which may not have touched a socket). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
