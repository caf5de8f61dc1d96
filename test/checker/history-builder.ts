import {
  type FaultEvent,
  type History,
  OP_READ,
  OP_WRITE,
  OUTCOME_FAIL,
  OUTCOME_INFO,
  OUTCOME_OK,
  SOURCE_CACHE,
  SOURCE_DB,
  SOURCE_NONE,
} from '../../checker/types.ts';

/** How an operation ended in a literal history. */
export type Outcome = 'ok' | 'fail' | 'info';

interface Row {
  client: number;
  kind: number;
  key: number;
  invokeNs: number;
  completeNs: number;
  outcome: number;
  version: number;
  source: number;
  error: number;
}

const OUTCOME_CODES: Record<Outcome, number> = { ok: OUTCOME_OK, fail: OUTCOME_FAIL, info: OUTCOME_INFO };

/** Milliseconds to history nanoseconds. */
export function ms(milliseconds: number): number {
  return milliseconds * 1e6;
}

/**
 * Builds literal histories for checker tests, Jepsen style: `invoke` opens an operation,
 * `ok` / `fail` / `info` completes it; `read` and `write` do both at once. Times are in ms.
 */
export class HistoryBuilder {
  readonly #rows: Row[] = [];
  readonly #faults: FaultEvent[] = [];

  /** Opens an operation and returns its index; it stays info with unknown version until completed. */
  invoke(client: number, kind: 'read' | 'write', key: number, atMs: number): number {
    this.#rows.push({
      client,
      kind: kind === 'read' ? OP_READ : OP_WRITE,
      key,
      invokeNs: ms(atMs),
      completeNs: Number.NaN,
      outcome: OUTCOME_INFO,
      version: -1,
      source: SOURCE_NONE,
      error: 0,
    });
    return this.#rows.length - 1;
  }

  /** Completes `op` ok with the version read or written; reads default to the cache as source. */
  ok(op: number, atMs: number, version: number, source: 'cache' | 'db' = 'cache'): this {
    const row = this.#row(op);
    row.completeNs = ms(atMs);
    row.outcome = OUTCOME_OK;
    row.version = version;
    if (row.kind === OP_READ) row.source = source === 'cache' ? SOURCE_CACHE : SOURCE_DB;
    return this;
  }

  /** Completes `op` as definitely not having happened. */
  fail(op: number, atMs: number, version = -1): this {
    return this.#end(op, atMs, OUTCOME_FAIL, version);
  }

  /** Completes `op` with an unknown outcome (a timeout). */
  info(op: number, atMs: number, version = -1): this {
    return this.#end(op, atMs, OUTCOME_INFO, version);
  }

  /** A complete read of `key` returning `version` (0 = absent); returns its index. */
  read(
    client: number,
    key: number,
    invokeMs: number,
    completeMs: number,
    version: number,
    outcome: Outcome = 'ok',
  ): number {
    const op = this.invoke(client, 'read', key, invokeMs);
    this.#complete(op, completeMs, outcome, outcome === 'ok' ? version : -1);
    return op;
  }

  /** A complete write of `key` with `version`; returns its index. */
  write(
    client: number,
    key: number,
    invokeMs: number,
    completeMs: number,
    version: number,
    outcome: Outcome = 'ok',
  ): number {
    const op = this.invoke(client, 'write', key, invokeMs);
    this.#complete(op, completeMs, outcome, version);
    return op;
  }

  /** Adds a fault event. */
  fault(event: FaultEvent): this {
    this.#faults.push(event);
    return this;
  }

  build(): History {
    const rows = this.#rows;
    return {
      length: rows.length,
      client: Uint16Array.from(rows, (r) => r.client),
      kind: Uint8Array.from(rows, (r) => r.kind),
      key: Uint32Array.from(rows, (r) => r.key),
      invokeNs: Float64Array.from(rows, (r) => r.invokeNs),
      completeNs: Float64Array.from(rows, (r) => r.completeNs),
      outcome: Uint8Array.from(rows, (r) => r.outcome),
      version: Float64Array.from(rows, (r) => r.version),
      source: Uint8Array.from(rows, (r) => r.source),
      error: Uint8Array.from(rows, (r) => r.error),
      errorKinds: ['', 'error'],
      faults: [...this.#faults],
    };
  }

  #complete(op: number, atMs: number, outcome: Outcome, version: number): void {
    if (outcome === 'ok') this.ok(op, atMs, version);
    else this.#end(op, atMs, OUTCOME_CODES[outcome], version);
  }

  #end(op: number, atMs: number, outcome: number, version: number): this {
    const row = this.#row(op);
    row.completeNs = ms(atMs);
    row.outcome = outcome;
    row.version = version;
    row.error = 1;
    return this;
  }

  #row(op: number): Row {
    const row = this.#rows[op];
    if (row === undefined) throw new RangeError(`no operation ${op}`);
    return row;
  }
}

/** A snapshot from [key, dbVersion, cacheVersion] triples. */
export function snapshotOf(entries: ReadonlyArray<readonly [number, number, number]>, takenAtMs = 0) {
  return {
    keys: entries.map(([key, dbVersion, cacheVersion]) => ({ key, dbVersion, cacheVersion })),
    takenAtNs: ms(takenAtMs),
  };
}
