import { OP_READ, OP_WRITE, OUTCOME_OK, SOURCE_CACHE, SOURCE_NONE } from '../../checker/types.ts';
import type { RunMetrics } from './metrics.ts';
import type { HistoryRecorder } from './recorder.ts';

/**
 * The one place an operation is recorded, whoever issued it (the in-process runner or the
 * HTTP service): its history row, its metrics, and the live stale-read count.
 *
 * Only operations invoked while {@link measuring} is set are recorded; warm-up operations
 * leave no trace. The live stale-read count applies the checker's definition online: a
 * read is stale when it returned a version below the highest version a measured write had
 * completed `ok` with before the read was invoked.
 */
export class OperationRecorder {
  /** Set when warm-up ends; operations invoked before are not recorded. */
  measuring = false;
  /** Cleared when the history is closed; later completions are not recorded. */
  recording = true;
  /** Measured operations issued. */
  issued = 0;
  /** Stale reads seen so far, by the online check. */
  staleSoFar = 0;
  /** Told about every measured write that completed ok (consistency probes and the replication-lag sampler sample them). */
  onWriteOk: ((op: number, key: number, completeNs: number, version: number) => void) | undefined;
  private readonly latestOk: Float64Array;
  /** 1 for every key a write was invoked on, warm-up included: the keys that can diverge. */
  private readonly written: Uint8Array;

  constructor(
    private readonly history: HistoryRecorder,
    private readonly metrics: RunMetrics,
    /** The run's monotonic clock in nanoseconds. */
    readonly now: () => number,
    keys: number,
  ) {
    this.latestOk = new Float64Array(keys + 1);
    this.written = new Uint8Array(keys + 1);
  }

  /** Records an invocation; returns its history row, or -1 when not measuring. */
  invoke(client: number, kind: number, key: number, invokeNs: number): number {
    if (kind === OP_WRITE && key < this.written.length) this.written[key] = 1;
    if (!this.measuring) return -1;
    this.issued++;
    return this.history.invoke(client, kind, key, invokeNs);
  }

  /**
   * Every key a write was invoked on, in warm-up or measurement, ascending: the only keys whose
   * cache or row can hold a version other than the loaded 1 (docs/definitions.md "Divergent keys").
   */
  writtenKeys(): number[] {
    const keys: number[] = [];
    for (let key = 1; key < this.written.length; key++) if (this.written[key] === 1) keys.push(key);
    return keys;
  }

  /** The highest version a measured write of `key` has completed ok with so far (0: none). */
  latestOkVersion(key: number): number {
    return this.latestOk[key] ?? 0;
  }

  /**
   * Records the completion of row `op` (nothing for -1, or once the history is closed):
   * latency counts from `startNs`; `latestAtInvoke` is {@link latestOkVersion} read when the
   * operation was invoked; `errorKind` is set for anything but ok; `completeNs` is when it
   * completed on the run clock, when another process observed it (default: now).
   */
  complete(
    op: number,
    kind: number,
    key: number,
    startNs: number,
    latestAtInvoke: number,
    outcome: number,
    version: number,
    source: number,
    errorKind?: string,
    completedAtNs?: number,
  ): void {
    if (op < 0 || !this.recording) return;
    // The clock is read only for operations that are recorded (not for warm-up ones).
    const completeNs = completedAtNs ?? this.now();
    this.history.complete(op, completeNs, outcome, version, source, errorKind);
    const latencyNs = completeNs - startNs;
    if (kind === OP_READ) {
      this.metrics.recordRead(
        latencyNs,
        completeNs,
        source === SOURCE_NONE ? undefined : source === SOURCE_CACHE,
        outcome === OUTCOME_OK,
      );
      if (outcome === OUTCOME_OK && version < latestAtInvoke) this.staleSoFar++;
    } else {
      this.metrics.recordWrite(latencyNs, completeNs, outcome === OUTCOME_OK);
      if (outcome === OUTCOME_OK) {
        if (version > (this.latestOk[key] ?? 0)) this.latestOk[key] = version;
        this.onWriteOk?.(op, key, completeNs, version);
      }
    }
    if (errorKind !== undefined) this.metrics.recordError(completeNs, errorKind);
  }
}
