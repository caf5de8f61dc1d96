import type { InterruptedStep } from '../../reports/types.ts';

/**
 * Which step of a run an abort (Ctrl-C) arrived in. The pipeline enters each step in turn;
 * the abort's step is kept (an abort before the run counts as `preparing`), and a step that
 * waits (drain, settle) races {@link stepCut} so that only an abort arriving during it cuts it:
 * after an abort during the load the drain still runs, since the pending work it flushes is part
 * of what ran.
 */
export class InterruptWatch {
  /** The step the abort arrived in; undefined while the run is not interrupted. */
  during: InterruptedStep | undefined;
  private step: InterruptedStep = 'preparing';
  private cutStep: () => void = () => undefined;
  private current: Promise<void> = this.nextStep();
  private readonly onAbort = (): void => {
    this.during ??= this.step;
    this.cutStep();
  };

  constructor(private readonly signal?: AbortSignal) {
    if (signal?.aborted) this.during = 'preparing';
    else signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Marks the start of `step`. */
  enter(step: InterruptedStep): void {
    this.step = step;
    this.current = this.nextStep();
  }

  /** Resolves when an abort arrives during the current step; never for an abort before it. */
  get stepCut(): Promise<void> {
    return this.current;
  }

  /** Stops watching (the session's signal outlives the run). */
  dispose(): void {
    this.signal?.removeEventListener('abort', this.onAbort);
  }

  private nextStep(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.cutStep = resolve;
    });
  }
}
