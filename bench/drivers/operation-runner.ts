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
import type { RunMetrics } from '../history/metrics.ts';
import { OperationRecorder } from '../history/operation-recorder.ts';
import type { HistoryRecorder } from '../history/recorder.ts';

/**
 * The driver's interpreter: issues an operation to the strategy and records it through
 * {@link OperationRecorder}. A thrown error is `info` (outcome unknown), never `fail`.
 */
export class OperationRunner extends OperationRecorder {
  /** Operations issued and not yet completed (warm-up ones included). */
  inFlight = 0;

  constructor(
    private readonly strategy: CacheStrategy,
    private readonly payload: Uint8Array,
    history: HistoryRecorder,
    metrics: RunMetrics,
    now: () => number,
    keys: number,
  ) {
    super(history, metrics, now, keys);
  }

  /**
   * Runs one operation. `intendedNs` is when it should have started (open loop; latency
   * counts from it, and may lie before the clock's origin), or NaN to count from the actual start. Returns true
   * when the operation failed, so callers can yield to the event loop.
   */
  async execute(client: number, kind: number, key: number, intendedNs: number): Promise<boolean> {
    const invokeNs = this.now();
    const startNs = Number.isNaN(intendedNs) ? invokeNs : intendedNs;
    const op = this.invoke(client, kind, key, invokeNs);
    const latestAtInvoke = this.latestOkVersion(key);
    this.inFlight++;
    try {
      if (kind === OP_READ) {
        const result = await this.strategy.read(key, op);
        const version = result.found ? result.version : VERSION_ABSENT;
        const source = result.source === 'cache' ? SOURCE_CACHE : SOURCE_DB;
        this.complete(op, kind, key, startNs, latestAtInvoke, OUTCOME_OK, version, source);
      } else {
        const result = await this.strategy.write(key, this.payload, op);
        this.complete(op, kind, key, startNs, latestAtInvoke, OUTCOME_OK, result.version, SOURCE_NONE);
      }
      return false;
    } catch (error) {
      this.complete(
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
