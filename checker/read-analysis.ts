import type { KeySlots } from './key-slots.ts';
import { orderRowsByTime } from './time-order.ts';
import { type History, OP_READ, OUTCOME_OK } from './types.ts';
import type { WriteRecords } from './write-records.ts';

/**
 * Stale reads, column by column, ordered by the read's invoke time (ties in row order).
 * Only the first `count` entries are valid.
 */
export interface StaleReadTable {
  count: number;
  /** Ok reads checked. */
  readsChecked: number;
  /** Ok reads of a key some ok write of which had completed before the read was invoked: the reads that could be stale. */
  readsAfterWrite: number;
  op: Uint32Array;
  key: Uint32Array;
  versionRead: Float64Array;
  latestVersion: Float64Array;
  ageNs: Float64Array;
  lag: Float64Array;
}

/** Raw t-visibility counts: bucket b holds reads with t in [edgesMs[b], edgesMs[b+1]). */
export interface VisibilityCounts {
  edgesMs: number[];
  reads: Float64Array;
  visible: Float64Array;
}

/** What one pass over the reads yields. */
export interface ReadAnalysis {
  stale: StaleReadTable;
  visibility: VisibilityCounts;
}

/**
 * One sweep over the ok reads in invoke order, applying the ok writes in completion order
 * as their completion times pass: finds the stale reads (docs/definitions.md) and counts
 * t-visibility. A write counts as completed before a read only when its completion time is
 * strictly below the read's invoke time. Per key the sweep keeps only the highest version
 * completed and when it completed, so the common case touches one small array per read.
 */
export function analyseReads(
  history: History,
  slots: KeySlots,
  records: WriteRecords,
  edgesMs: number[],
): ReadAnalysis {
  const { kind, outcome, invokeNs, version, key } = history;
  const slotOfRow = slots.slotOfRow;
  const { completionNs, completionSlot, completionVersion, start } = records;
  const recordVersion = records.version;
  const recordTime = records.completeNs;
  const writes = completionNs.length;
  const edgesNs = Float64Array.from(edgesMs, (ms) => ms * 1e6);
  const firstEdgeNs = edgesNs[0] as number;
  const buckets = edgesNs.length - 1;
  const visibleReads = new Float64Array(buckets);
  const bucketReads = new Float64Array(buckets);
  // Per slot: [highest version completed so far, its completion time]; -Infinity = none yet.
  const latest = new Float64Array(2 * slots.slotCount).fill(Number.NEGATIVE_INFINITY);
  let stale = new StaleColumns();
  let readsChecked = 0;
  let readsAfterWrite = 0;
  let w = 0;
  // Rows are normally recorded in invoke order, so the sweep walks them directly and only
  // sorts the reads (and starts over) when one turns out to be invoked before the last.
  let sorted: Uint32Array | undefined;
  let previousInvoke = Number.NEGATIVE_INFINITY;
  const n = history.length;

  for (let r = 0; r < n; r++) {
    let i = r;
    if (sorted === undefined) {
      if (kind[i] !== OP_READ || outcome[i] !== OUTCOME_OK) continue;
      if ((invokeNs[i] as number) < previousInvoke) {
        sorted = okReadsByInvoke(history);
        r = -1;
        w = 0;
        readsChecked = 0;
        readsAfterWrite = 0;
        latest.fill(Number.NEGATIVE_INFINITY);
        bucketReads.fill(0);
        visibleReads.fill(0);
        stale = new StaleColumns();
        continue;
      }
      previousInvoke = invokeNs[i] as number;
    } else {
      if (r >= sorted.length) break;
      i = sorted[r] as number;
    }
    readsChecked++;
    const invoke = invokeNs[i] as number;
    while (w < writes && (completionNs[w] as number) < invoke) {
      const at = 2 * (completionSlot[w] as number);
      const v = completionVersion[w] as number;
      if (v > (latest[at] as number)) {
        latest[at] = v;
        latest[at + 1] = completionNs[w] as number;
      }
      w++;
    }
    const s = slotOfRow[i] as number;
    const latestVersion = latest[2 * s] as number;
    if (latestVersion === Number.NEGATIVE_INFINITY) continue;
    readsAfterWrite++;
    const read = version[i] as number;
    const visible = read >= latestVersion;

    const t = invoke - (latest[2 * s + 1] as number);
    if (t >= firstEdgeNs) {
      let b0 = 0;
      let b1 = buckets;
      while (b0 < b1) {
        const mid = (b0 + b1) >>> 1;
        if ((edgesNs[mid + 1] as number) <= t) b0 = mid + 1;
        else b1 = mid;
      }
      if (b0 < buckets) {
        bucketReads[b0] = (bucketReads[b0] as number) + 1;
        if (visible) visibleReads[b0] = (visibleReads[b0] as number) + 1;
      }
    }

    if (visible) continue;
    // First record above the version read: the earliest-completing write that makes it stale.
    // Records ascend in version, and every record up to the latest one completed before the invoke.
    let f0 = start[s] as number;
    let f1 = records.end[s] as number;
    while (f0 < f1) {
      const mid = (f0 + f1) >>> 1;
      if ((recordVersion[mid] as number) > read) f1 = mid;
      else f0 = mid + 1;
    }
    stale.push(i, key[i] as number, read, latestVersion, invoke - (recordTime[f0] as number));
  }
  return {
    stale: stale.table(readsChecked, readsAfterWrite),
    visibility: { edgesMs, reads: bucketReads, visible: visibleReads },
  };
}

/** Rows of the ok reads ordered by invoke time. */
function okReadsByInvoke(history: History): Uint32Array {
  const n = history.length;
  const { kind, outcome, invokeNs } = history;
  let count = 0;
  for (let i = 0; i < n; i++) if (kind[i] === OP_READ && outcome[i] === OUTCOME_OK) count++;
  const rows = new Uint32Array(count);
  for (let i = 0, r = 0; i < n; i++) if (kind[i] === OP_READ && outcome[i] === OUTCOME_OK) rows[r++] = i;
  return orderRowsByTime(rows, invokeNs).rows;
}

/** Growable stale-read columns (doubling). */
class StaleColumns {
  #count = 0;
  #op = new Uint32Array(1024);
  #key = new Uint32Array(1024);
  #versionRead = new Float64Array(1024);
  #latestVersion = new Float64Array(1024);
  #ageNs = new Float64Array(1024);

  push(op: number, key: number, versionRead: number, latestVersion: number, ageNs: number): void {
    if (this.#count === this.#op.length) this.#grow();
    const c = this.#count++;
    this.#op[c] = op;
    this.#key[c] = key;
    this.#versionRead[c] = versionRead;
    this.#latestVersion[c] = latestVersion;
    this.#ageNs[c] = ageNs;
  }

  table(readsChecked: number, readsAfterWrite: number): StaleReadTable {
    const c = this.#count;
    const lag = new Float64Array(c);
    for (let i = 0; i < c; i++)
      lag[i] = (this.#latestVersion[i] as number) - (this.#versionRead[i] as number);
    return {
      count: c,
      readsChecked,
      readsAfterWrite,
      op: this.#op.subarray(0, c),
      key: this.#key.subarray(0, c),
      versionRead: this.#versionRead.subarray(0, c),
      latestVersion: this.#latestVersion.subarray(0, c),
      ageNs: this.#ageNs.subarray(0, c),
      lag,
    };
  }

  #grow(): void {
    const size = this.#op.length * 2;
    this.#op = grown(this.#op, new Uint32Array(size));
    this.#key = grown(this.#key, new Uint32Array(size));
    this.#versionRead = grown(this.#versionRead, new Float64Array(size));
    this.#latestVersion = grown(this.#latestVersion, new Float64Array(size));
    this.#ageNs = grown(this.#ageNs, new Float64Array(size));
  }
}

function grown<T extends Uint32Array | Float64Array>(old: T, next: T): T {
  next.set(old);
  return next;
}
