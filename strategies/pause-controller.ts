import type { PauseHook, PausePoint } from './types.ts';

/** How long a hold waits for its operation, and a held operation for its release, by default. */
export const DEFAULT_PAUSE_TIMEOUT_MS = 5000;

/** Which operation a hold catches: the first one at the point, narrowed by key and/or opId. */
export interface PauseMatch {
  key?: number;
  opId?: number;
}

/** Where a held operation stopped. */
export interface PausedAt {
  point: PausePoint;
  key: number;
  opId: number;
}

/** One operation held at a pause point. */
export interface PauseHold {
  /** Resolves when an operation arrives and is held; rejects if none does in time. */
  readonly reached: Promise<PausedAt>;
  /** Lets the held operation go on (or, if none arrived yet, cancels the hold). Idempotent. */
  release(): void;
  /**
   * Makes the held operation fail at the pause point with `error`, as if its process died
   * there: nothing after the point runs. Idempotent; a no-op once released.
   */
  abort(error: Error): void;
}

interface PendingHold {
  point: PausePoint;
  match: PauseMatch;
  arrive(at: PausedAt): Promise<void>;
}

/**
 * Builds the {@link PauseHook} tests and race scenarios attach to a strategy, and lets them
 * hold exactly one operation at a named point:
 * `const hold = controller.holdNext('after-db-read', { key }); … await hold.reached; … hold.release();`
 * Each hold catches only the first matching operation; every other call carries on at once.
 * Waits are bounded: `reached` rejects if nothing arrives within `timeoutMs`, and a held
 * operation that is never released fails after `timeoutMs` instead of hanging the run.
 */
export class PauseController {
  private readonly pending: PendingHold[] = [];

  constructor(private readonly timeoutMs = DEFAULT_PAUSE_TIMEOUT_MS) {}

  /** The hook to put in `StrategyContext.pause`. */
  readonly hook: PauseHook = (point, key, opId) => {
    const index = this.pending.findIndex(
      (hold) =>
        hold.point === point &&
        (hold.match.key === undefined || hold.match.key === key) &&
        (hold.match.opId === undefined || hold.match.opId === opId),
    );
    if (index < 0) return undefined;
    const [hold] = this.pending.splice(index, 1);
    return hold?.arrive({ point, key, opId });
  };

  /** Holds the next operation that reaches `point` and matches `match`. */
  holdNext(point: PausePoint, match: PauseMatch = {}): PauseHold {
    const timeoutMs = this.timeoutMs;
    const target = describeTarget(point, match);
    let released = false;
    let letGo: () => void = () => undefined;
    let kill: (error: Error) => void = () => undefined;
    let reachedTimer: NodeJS.Timeout | undefined;
    let markReached: (at: PausedAt) => void = () => undefined;
    const reached = new Promise<PausedAt>((resolve, reject) => {
      markReached = resolve;
      reachedTimer = setTimeout(() => {
        this.remove(pending);
        reject(new Error(`no operation reached pause point ${target} within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    // A caller that never awaits `reached` must not see an unhandled rejection.
    reached.catch(() => undefined);
    const pending: PendingHold = {
      point,
      match,
      arrive: (at) => {
        clearTimeout(reachedTimer);
        markReached(at);
        if (released) return Promise.resolve();
        return new Promise<void>((resolve, reject) => {
          const heldTimer = setTimeout(() => {
            letGo = () => undefined;
            reject(
              new Error(`operation held at pause point ${target} was not released within ${timeoutMs} ms`),
            );
          }, timeoutMs);
          letGo = () => {
            clearTimeout(heldTimer);
            resolve();
          };
          kill = (error) => {
            clearTimeout(heldTimer);
            reject(error);
          };
        });
      },
    };
    this.pending.push(pending);
    return {
      reached,
      release: () => {
        if (released) return;
        released = true;
        this.remove(pending);
        clearTimeout(reachedTimer);
        letGo();
      },
      abort: (error) => {
        if (released) return;
        released = true;
        this.remove(pending);
        clearTimeout(reachedTimer);
        kill(error);
      },
    };
  }

  /** Holds not yet caught by an operation. */
  waitingHolds(): number {
    return this.pending.length;
  }

  private remove(hold: PendingHold): void {
    const index = this.pending.indexOf(hold);
    if (index >= 0) this.pending.splice(index, 1);
  }
}

function describeTarget(point: PausePoint, match: PauseMatch): string {
  const narrow = [
    match.key === undefined ? '' : ` key ${match.key}`,
    match.opId === undefined ? '' : ` op ${match.opId}`,
  ].join('');
  return `'${point}'${narrow === '' ? '' : ` (${narrow.trim()})`}`;
}
