import { type FaultEvent, type History, OUTCOME_INFO, SOURCE_NONE } from '../../checker/types.ts';

/** Error kind given to operations still open when the run stopped. */
export const OPEN_AT_STOP = 'open-at-stop';
/** Error kind that absorbs new kinds once the 8-bit error column is full. */
export const OTHER_ERROR = 'other';
const MAX_ERROR_KINDS = 256;

/**
 * Records operations column by column into typed arrays that double when full: no object
 * per operation. An invoked operation is `info` with an unknown version (-1) and a NaN
 * completion time until `complete` is called.
 */
export class HistoryRecorder {
  #length = 0;
  #open = 0;
  #client: Uint16Array;
  #kind: Uint8Array;
  #key: Uint32Array;
  #invokeNs: Float64Array;
  #completeNs: Float64Array;
  #outcome: Uint8Array;
  #version: Float64Array;
  #source: Uint8Array;
  #error: Uint8Array;
  readonly #errorKinds: string[] = [''];
  readonly #errorIndex = new Map<string, number>([['', 0]]);
  readonly #faults: FaultEvent[] = [];

  /** @param initialCapacity rows allocated up front; the columns double when full. */
  constructor(initialCapacity = 1 << 16) {
    const capacity = Math.max(1, Math.floor(initialCapacity));
    this.#client = new Uint16Array(capacity);
    this.#kind = new Uint8Array(capacity);
    this.#key = new Uint32Array(capacity);
    this.#invokeNs = new Float64Array(capacity);
    this.#completeNs = new Float64Array(capacity);
    this.#outcome = new Uint8Array(capacity);
    this.#version = new Float64Array(capacity);
    this.#source = new Uint8Array(capacity);
    this.#error = new Uint8Array(capacity);
  }

  /** Operations recorded so far. */
  get length(): number {
    return this.#length;
  }

  /** Operations invoked and not yet completed. */
  get openCount(): number {
    return this.#open;
  }

  /** Rows allocated (the columns' current length). */
  get capacity(): number {
    return this.#key.length;
  }

  /** Records an invocation and returns its operation index (row). */
  invoke(client: number, kind: number, key: number, invokeNs: number): number {
    if (this.#length === this.#key.length) this.#grow();
    const op = this.#length++;
    this.#client[op] = client;
    this.#kind[op] = kind;
    this.#key[op] = key;
    this.#invokeNs[op] = invokeNs;
    this.#completeNs[op] = Number.NaN;
    this.#outcome[op] = OUTCOME_INFO;
    this.#version[op] = -1;
    this.#source[op] = SOURCE_NONE;
    this.#error[op] = 0;
    this.#open++;
    return op;
  }

  /**
   * Records the completion of operation `op`. `version` is the version read or written
   * (-1 when unknown); `errorKind` names what went wrong (e.g. 'timeout').
   * Throws a RangeError for an unknown or already completed operation: a driver bug.
   */
  complete(
    op: number,
    completeNs: number,
    outcome: number,
    version: number,
    source: number,
    errorKind?: string,
  ): void {
    if (!(op >= 0 && op < this.#length) || !Number.isNaN(this.#completeNs[op])) {
      throw new RangeError(`operation ${op} is not open`);
    }
    this.#completeNs[op] = completeNs;
    this.#outcome[op] = outcome;
    this.#version[op] = version;
    this.#source[op] = source;
    if (errorKind !== undefined) this.#error[op] = this.#internError(errorKind);
    this.#open--;
  }

  /** Records a fault's start or heal. */
  recordFault(event: FaultEvent): void {
    this.#faults.push(event);
  }

  /**
   * Marks every still-open operation as `info` completed at `stopNs` with error kind
   * {@link OPEN_AT_STOP}: the run stopped before it answered, so it may or may not have
   * taken effect. Returns how many operations it closed.
   */
  closeOpen(stopNs: number): number {
    if (this.#open === 0) return 0;
    const error = this.#internError(OPEN_AT_STOP);
    let closed = 0;
    for (let op = 0; op < this.#length; op++) {
      if (!Number.isNaN(this.#completeNs[op])) continue;
      this.#completeNs[op] = stopNs;
      this.#outcome[op] = OUTCOME_INFO;
      this.#error[op] = error;
      closed++;
    }
    this.#open = 0;
    return closed;
  }

  /**
   * The history so far as views on the recorder's columns (no copy). The views do not see
   * operations recorded later, and stop sharing memory with the recorder once it grows.
   */
  toHistory(): History {
    const n = this.#length;
    return {
      length: n,
      client: this.#client.subarray(0, n),
      kind: this.#kind.subarray(0, n),
      key: this.#key.subarray(0, n),
      invokeNs: this.#invokeNs.subarray(0, n),
      completeNs: this.#completeNs.subarray(0, n),
      outcome: this.#outcome.subarray(0, n),
      version: this.#version.subarray(0, n),
      source: this.#source.subarray(0, n),
      error: this.#error.subarray(0, n),
      errorKinds: [...this.#errorKinds],
      faults: [...this.#faults],
    };
  }

  #internError(kind: string): number {
    const known = this.#errorIndex.get(kind);
    if (known !== undefined) return known;
    if (this.#errorKinds.length >= MAX_ERROR_KINDS - 1 && kind !== OTHER_ERROR) {
      return this.#internError(OTHER_ERROR);
    }
    const index = this.#errorKinds.length;
    this.#errorKinds.push(kind);
    this.#errorIndex.set(kind, index);
    return index;
  }

  #grow(): void {
    const capacity = this.#key.length * 2;
    this.#client = grown(this.#client, new Uint16Array(capacity));
    this.#kind = grown(this.#kind, new Uint8Array(capacity));
    this.#key = grown(this.#key, new Uint32Array(capacity));
    this.#invokeNs = grown(this.#invokeNs, new Float64Array(capacity));
    this.#completeNs = grown(this.#completeNs, new Float64Array(capacity));
    this.#outcome = grown(this.#outcome, new Uint8Array(capacity));
    this.#version = grown(this.#version, new Float64Array(capacity));
    this.#source = grown(this.#source, new Uint8Array(capacity));
    this.#error = grown(this.#error, new Uint8Array(capacity));
  }
}

function grown<T extends Uint8Array | Uint16Array | Uint32Array | Float64Array>(old: T, next: T): T {
  next.set(old);
  return next;
}
