import { messageOf } from '../../kernel/index.ts';
import type { PauseHook, PausePoint } from '../../strategies/types.ts';
import type { StepCommands } from './types.ts';

/** Thrown into an operation the explorer crashes at its pause point. */
export class OperationCrashed extends Error {
  constructor() {
    super('crashed by the explorer');
    this.name = 'OperationCrashed';
  }
}

/** How one operation ended, once it has. */
export type OperationEnd<T> =
  | { state: 'done'; value: T }
  | { state: 'failed'; error: string }
  | { state: 'crashed' };

interface Operation<T> {
  start: () => Promise<T>;
  /** The opId of the pauses this operation answers for (-1: background work). */
  owns: number;
  state: 'idle' | 'running' | 'held' | 'ended';
  release?: () => void;
  crash?: (error: Error) => void;
  settled?: Promise<void>;
  end?: OperationEnd<T>;
  heldAt?: PausePoint;
}

/** Where a step left the operation. */
export interface StepEnd {
  /** The pause point it is held at, or undefined when it ended. */
  heldAt: PausePoint | undefined;
  commands: StepCommands;
}

/**
 * Runs operations of a strategy one step at a time over its pause hook: a step is what an
 * operation does from one pause point to the next (or to its end), and while one step runs
 * every other operation is held, so nothing else touches Redis or MySQL and the step's
 * commands complete before the next step starts. Commands are counted with the strategy's
 * own `stats()`: a pause point reached without a command since the last release is not a
 * step boundary (nothing observable happened), so the operation goes on at once.
 * A pause belongs to the operation whose opId it carries: one of another operation passes.
 * Background work (opId -1: an invalidator, a flusher) that pauses outside a step that owns
 * it is parked until the next such step (a flush) starts, so it acts only inside steps.
 * Outside the schedule (seeding, the final drain: after {@link stopParking}) everything passes.
 */
export class StepController<T> {
  private readonly operations: Operation<T>[] = [];
  private running: Operation<T> | undefined;
  private countAtRelease = { redis: 0, db: 0 };
  private arrived: (() => void) | undefined;
  private parking = true;
  private parked: (() => void)[] = [];

  constructor(private readonly commandCount: () => StepCommands) {}

  /** The hook to put in `StrategyContext.pause`. */
  readonly hook: PauseHook = (point, _key, opId) => {
    const op = this.running;
    if (op === undefined || op.owns !== opId || op.state === 'held') {
      if (opId !== -1 || !this.parking) return undefined;
      return new Promise<void>((resolve) => this.parked.push(resolve));
    }
    const now = this.commandCount();
    if (now.redis === this.countAtRelease.redis && now.db === this.countAtRelease.db) return undefined;
    op.state = 'held';
    op.heldAt = point;
    const held = new Promise<void>((resolve, reject) => {
      op.release = resolve;
      op.crash = reject;
    });
    this.arrived?.();
    return held;
  };

  /** Registers an operation (not started) answering for the pauses of opId `owns`; returns its index. */
  add(start: () => Promise<T>, owns: number): number {
    return this.operations.push({ start, owns, state: 'idle' }) - 1;
  }

  /** The schedule is over: parked background work goes on, and nothing is parked any more. */
  stopParking(): void {
    this.parking = false;
    this.releaseParked();
  }

  private releaseParked(): void {
    const parked = this.parked;
    this.parked = [];
    for (const release of parked) release();
  }

  /** True while the operation is the one whose step runs now: the tracer attributes steps with it. */
  isStepping(): boolean {
    return this.running !== undefined;
  }

  /** Whether operation `index` can take a step. */
  canStep(index: number): boolean {
    const op = this.operation(index);
    return op.state === 'idle' || op.state === 'held';
  }

  /** How operation `index` ended (undefined while it has not). */
  endOf(index: number): OperationEnd<T> | undefined {
    return this.operation(index).end;
  }

  /** True when operation `index` was invoked (took at least one step). */
  started(index: number): boolean {
    return this.operation(index).state !== 'idle' || this.operation(index).end !== undefined;
  }

  /** Runs operation `index` to its next step boundary (a pause point after a command, or its end). */
  async step(index: number): Promise<StepEnd> {
    const op = this.operation(index);
    if (!this.canStep(index)) throw new Error(`operation ${index} cannot take a step (${op.state})`);
    const before = this.commandCount();
    const arrival = new Promise<void>((resolve) => {
      this.arrived = resolve;
    });
    this.running = op;
    this.countAtRelease = before;
    if (op.owns === -1) this.releaseParked();
    if (op.state === 'idle') {
      op.state = 'running';
      op.settled = op.start().then(
        (value) => this.ended(op, { state: 'done', value }),
        (error: unknown) =>
          this.ended(
            op,
            error instanceof OperationCrashed
              ? { state: 'crashed' }
              : { state: 'failed', error: messageOf(error) },
          ),
      );
    } else {
      op.state = 'running';
      op.heldAt = undefined;
      op.release?.();
    }
    await arrival;
    this.running = undefined;
    this.arrived = undefined;
    const after = this.commandCount();
    return {
      // The hook or the end changed the state while this awaited.
      heldAt: (op.state as Operation<T>['state']) === 'held' ? op.heldAt : undefined,
      commands: { redis: after.redis - before.redis, db: after.db - before.db },
    };
  }

  /** Crashes operation `index` where it stands: a held operation throws {@link OperationCrashed}, an idle one never starts. */
  async crash(index: number): Promise<void> {
    const op = this.operation(index);
    if (op.state === 'idle') {
      op.state = 'ended';
      op.end = { state: 'crashed' };
      return;
    }
    if (op.state !== 'held') return;
    op.state = 'running';
    op.crash?.(new OperationCrashed());
    await op.settled;
  }

  private ended(op: Operation<T>, end: OperationEnd<T>): void {
    op.state = 'ended';
    op.end = end;
    if (this.running === op) this.arrived?.();
  }

  private operation(index: number): Operation<T> {
    const op = this.operations[index];
    if (op === undefined) throw new RangeError(`no operation ${index}`);
    return op;
  }
}
