import {
  OP_READ,
  OUTCOME_INFO,
  OUTCOME_OK,
  SOURCE_CACHE,
  SOURCE_DB,
  SOURCE_NONE,
  VERSION_ABSENT,
} from '../checker/types.ts';
import type { CacheStrategy } from '../strategies/types.ts';
import { errorKindOf } from './error-kind.ts';
import type { HistoryRecorder } from './history.ts';
import type { RunMetrics } from './metrics.ts';

/**
 * The one place that issues an operation to the strategy and records it (the driver's
 * interpreter): history row, metrics, and the live stale-read count. A thrown error is
 * `info` (outcome unknown), never `fail`.
 *
 * Only operations invoked while {@link measuring} is set are recorded; warm-up
 * operations run the same way but leave no trace. The live stale-read count applies the
 * checker's definition online: a read is stale when it returned a version below the
 * highest version a measured write had completed `ok` with before the read was invoked.
 */
export class OperationRunner {
  /** Set when warm-up ends; operations invoked before are not recorded. */
  measuring = false;
  /** Cleared when the history is closed; later completions are not recorded. */
  recording = true;
  /** Operations issued and not yet completed (warm-up ones included). */
  inFlight = 0;
  /** Measured operations issued. */
  issued = 0;
  /** Stale reads seen so far, by the online check. */
  staleSoFar = 0;
  /** Told about every measured write that completed ok (consistency probes sample them). */
  onWriteOk: ((op: number, key: number, completeNs: number) => void) | undefined;
  private readonly latestOk: Float64Array;

  constructor(
    private readonly strategy: CacheStrategy,
    private readonly payload: Uint8Array,
    private readonly history: HistoryRecorder,
    private readonly metrics: RunMetrics,
    private readonly now: () => number,
    keys: number,
  ) {
    this.latestOk = new Float64Array(keys + 1);
  }

  /**
   * Runs one operation. `intendedNs` is when it should have started (open loop; latency
   * counts from it, and may lie before the clock's origin), or NaN to count from the actual start. Returns true
   * when the operation failed, so callers can yield to the event loop.
   */
  async execute(client: number, kind: number, key: number, intendedNs: number): Promise<boolean> {
    const invokeNs = this.now();
    const startNs = Number.isNaN(intendedNs) ? invokeNs : intendedNs;
    const op = this.measuring ? this.history.invoke(client, kind, key, invokeNs) : -1;
    if (op >= 0) this.issued++;
    const latestAtInvoke = this.latestOk[key] ?? 0;
    this.inFlight++;
    try {
      if (kind === OP_READ) {
        const result = await this.strategy.read(key, op);
        const version = result.found ? result.version : VERSION_ABSENT;
        const fromCache = result.source === 'cache';
        if (op >= 0 && this.recording) {
          const completeNs = this.now();
          this.history.complete(op, completeNs, OUTCOME_OK, version, fromCache ? SOURCE_CACHE : SOURCE_DB);
          this.metrics.recordRead(completeNs - startNs, completeNs, fromCache);
          if (version < latestAtInvoke) this.staleSoFar++;
        }
      } else {
        const result = await this.strategy.write(key, this.payload, op);
        if (op >= 0 && this.recording) {
          const completeNs = this.now();
          this.history.complete(op, completeNs, OUTCOME_OK, result.version, SOURCE_NONE);
          this.metrics.recordWrite(completeNs - startNs, completeNs);
          if (result.version > (this.latestOk[key] ?? 0)) this.latestOk[key] = result.version;
          this.onWriteOk?.(op, key, completeNs);
        }
      }
      return false;
    } catch (error) {
      if (op >= 0 && this.recording) {
        const completeNs = this.now();
        const errorKind = errorKindOf(error);
        this.history.complete(op, completeNs, OUTCOME_INFO, -1, SOURCE_NONE, errorKind);
        const latencyNs = completeNs - startNs;
        if (kind === OP_READ) this.metrics.recordRead(latencyNs, completeNs, undefined);
        else this.metrics.recordWrite(latencyNs, completeNs);
        this.metrics.recordError(completeNs, errorKind);
      }
      return true;
    } finally {
      this.inFlight--;
    }
  }
}
