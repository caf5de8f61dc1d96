/** Most measured operations one run records (about 1.7 GB of history); load stops there. */
export const MAX_MEASURED_OPS = 50_000_000;
/** How long stopping waits for operations in flight before closing them as unknown. */
export const STOP_GRACE_MS = 5000;

/** Why the load stopped. */
export type StopReason = 'duration' | 'interrupted' | 'op-limit' | 'failed';

/** Where the load is: before start, warming up, measuring, or stopped. */
export type LoadPhase = 'idle' | 'warm-up' | 'measuring' | 'stopped';

/**
 * The run's phases, decided here once for every driver: warm-up for `warmupMs`, then
 * measurement for `durationMs`, then stop. An abort signal (Ctrl-C) or {@link stop} ends them
 * early. Listeners subscribe to the moment measurement begins (exactly once, not at all when
 * stopped during warm-up) and to the stop; drivers await {@link measuring} and {@link stopped}.
 */
export class LoadPhases {
  stopReason: StopReason = 'duration';
  private phase: LoadPhase = 'idle';
  private startMs: number | undefined;
  private measureStartMs: number | undefined;
  private measureEndMs: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly measureListeners: Array<() => void> = [];
  private readonly stopListeners: Array<(reason: StopReason) => void> = [];
  private resolveStopped: () => void = () => undefined;
  private resolveMeasuring: (began: boolean) => void = () => undefined;
  /** Resolves when the load must stop. */
  readonly stopped = new Promise<void>((resolve) => {
    this.resolveStopped = resolve;
  });
  /** Resolves true when measurement begins, false when the load stopped before it did. */
  readonly measuring = new Promise<boolean>((resolve) => {
    this.resolveMeasuring = resolve;
  });
  private readonly onAbort = (): void => this.stop('interrupted');

  constructor(
    readonly warmupMs: number,
    readonly durationMs: number,
    private readonly signal?: AbortSignal,
  ) {}

  /** Runs `listener` when measurement begins (restart the clock, start the faults, record). */
  onMeasure(listener: () => void): this {
    this.measureListeners.push(listener);
    return this;
  }

  /** Runs `listener` once, when the load stops. */
  onStop(listener: (reason: StopReason) => void): this {
    this.stopListeners.push(listener);
    return this;
  }

  /** Starts the phase timers (idempotent); resolves when the load must stop. */
  start(): Promise<void> {
    if (this.phase !== 'idle') return this.stopped;
    this.startMs = performance.now();
    if (this.signal?.aborted) {
      this.stop('interrupted');
      return this.stopped;
    }
    this.phase = 'warm-up';
    this.signal?.addEventListener('abort', this.onAbort, { once: true });
    if (this.warmupMs > 0) this.timer = setTimeout(() => this.beginMeasurement(), this.warmupMs);
    else this.beginMeasurement();
    return this.stopped;
  }

  /** Stops the load (idempotent; the first reason wins). */
  stop(reason: StopReason): void {
    if (this.phase === 'stopped') return;
    this.phase = 'stopped';
    this.stopReason = reason;
    if (this.measureStartMs !== undefined) this.measureEndMs = performance.now();
    clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.onAbort);
    this.resolveMeasuring(false);
    for (const listener of this.stopListeners) listener(reason);
    this.resolveStopped();
  }

  /** The current phase. */
  get current(): LoadPhase {
    return this.phase;
  }

  /** True once the load must stop. */
  get isStopped(): boolean {
    return this.phase === 'stopped';
  }

  /** True while measuring. */
  get isMeasuring(): boolean {
    return this.phase === 'measuring';
  }

  /** Milliseconds since {@link start} (warm-up included). */
  get elapsedMs(): number {
    return this.startMs === undefined ? 0 : performance.now() - this.startMs;
  }

  /** Milliseconds measured (start of measurement to stop, or to now). */
  get measuredMs(): number {
    if (this.measureStartMs === undefined) return 0;
    return (this.measureEndMs ?? performance.now()) - this.measureStartMs;
  }

  private beginMeasurement(): void {
    if (this.phase !== 'warm-up') return;
    this.phase = 'measuring';
    this.measureStartMs = performance.now();
    for (const listener of this.measureListeners) listener();
    this.resolveMeasuring(true);
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
