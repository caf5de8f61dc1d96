import {
  OP_READ,
  OUTCOME_INFO,
  OUTCOME_OK,
  SOURCE_CACHE,
  SOURCE_DB,
  SOURCE_NONE,
  VERSION_ABSENT,
} from '../../checker/types.ts';
import type { CacheStrategy } from '../../strategies/types.ts';
import { errorKindOf } from '../history/error-kind.ts';
import type { OperationRecorder } from '../history/operation-recorder.ts';

/**
 * The in-process driver's interpreter: issues an operation to the strategy and records it
 * through the run's {@link OperationRecorder}. A thrown error is `info` (outcome unknown), never `fail`.
 */
export class OperationRunner {
  /** Operations issued and not yet completed (warm-up ones included). */
  inFlight = 0;

  constructor(
    private readonly strategy: CacheStrategy,
    private readonly payload: Uint8Array,
    readonly recorder: OperationRecorder,
  ) {}

  /** Measured operations issued so far. */
  get issued(): number {
    return this.recorder.issued;
  }

  /**
   * Runs one operation. `intendedNs` is when it should have started (open loop; latency
   * counts from it, and may lie before the clock's origin), or NaN to count from the actual
   * start. Returns true when the operation failed, so callers can yield to the event loop.
   */
  async execute(client: number, kind: number, key: number, intendedNs: number): Promise<boolean> {
    const recorder = this.recorder;
    const invokeNs = recorder.now();
    const startNs = Number.isNaN(intendedNs) ? invokeNs : intendedNs;
    const op = recorder.invoke(client, kind, key, invokeNs);
    const latestAtInvoke = recorder.latestOkVersion(key);
    this.inFlight++;
    try {
      if (kind === OP_READ) {
        const result = await this.strategy.read(key, op);
        const version = result.found ? result.version : VERSION_ABSENT;
        const source = result.source === 'cache' ? SOURCE_CACHE : SOURCE_DB;
        recorder.complete(op, kind, key, startNs, latestAtInvoke, OUTCOME_OK, version, source);
      } else {
        const result = await this.strategy.write(key, this.payload, op);
        recorder.complete(op, kind, key, startNs, latestAtInvoke, OUTCOME_OK, result.version, SOURCE_NONE);
      }
      return false;
    } catch (error) {
      recorder.complete(
        op,
        kind,
        key,
        startNs,
        latestAtInvoke,
        OUTCOME_INFO,
        -1,
        SOURCE_NONE,
        errorKindOf(error),
      );
      return true;
    } finally {
      this.inFlight--;
    }
  }
}
