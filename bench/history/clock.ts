/**
 * The run's one monotonic clock, in nanoseconds as a float64. Its origin moves to the
 * start of measurement when warm-up ends, so history times, step traces and the
 * per-second timeline all count from the first measured instant.
 */
export class RunClock {
  private originMs = performance.now();

  /** Nanoseconds since the origin (negative for instants before a later {@link restart}). */
  readonly now = (): number => (performance.now() - this.originMs) * 1e6;

  /** Moves the origin to this instant. */
  restart(): void {
    this.originMs = performance.now();
  }

  /** A `performance.now()` reading on this clock. */
  toClockNs(performanceMs: number): number {
    return (performanceMs - this.originMs) * 1e6;
  }
}
