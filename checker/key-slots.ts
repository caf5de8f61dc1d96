import { orderRowsByTime } from './time-order.ts';
import type { History } from './types.ts';

/**
 * Keys mapped to dense slots 0..slotCount-1 so per-key state lives in typed arrays
 * indexed by slot instead of a Map looked up once per operation.
 */
export interface KeySlots {
  /** Slot of each history row (length >= history.length). */
  slotOfRow: Uint32Array;
  slotCount: number;
  /** Slot of each key, or -1 where no row of the history has that key. */
  slotsOfKeys(keys: Float64Array): Int32Array;
}

/**
 * Key spaces up to this size (or a quarter of the row count) are indexed directly:
 * slot = key. Beyond it per-slot arrays would cost more memory than the history's rows.
 */
const DIRECT_SLOTS_LIMIT = 1 << 20;

/** Maps the history's keys to dense slots: directly when the key space is small, by a radix sort otherwise. */
export function keySlots(history: History): KeySlots {
  const n = history.length;
  const keys = history.key;
  let maxKey = -1;
  for (let i = 0; i < n; i++) {
    const k = keys[i] as number;
    if (k > maxKey) maxKey = k;
  }
  const slotCount = maxKey + 1;
  if (slotCount <= Math.max(DIRECT_SLOTS_LIMIT, n >>> 2)) {
    return {
      slotOfRow: keys,
      slotCount,
      slotsOfKeys: (wanted) => {
        const slotsOf = new Int32Array(wanted.length);
        for (let j = 0; j < wanted.length; j++) {
          const key = wanted[j] as number;
          slotsOf[j] = Number.isInteger(key) && key >= 0 && key < slotCount ? key : -1;
        }
        return slotsOf;
      },
    };
  }
  return sparseKeySlots(keys, n);
}

function sparseKeySlots(keys: Uint32Array, n: number): KeySlots {
  const order = radixSortRowsByKey(keys, n);
  const slotOfRow = new Uint32Array(n);
  const distinct = new Uint32Array(n);
  let slotCount = 0;
  for (let i = 0; i < n; i++) {
    const row = order[i] as number;
    const k = keys[row] as number;
    if (slotCount === 0 || k !== distinct[slotCount - 1]) distinct[slotCount++] = k;
    slotOfRow[row] = slotCount - 1;
  }
  const keyOfSlot = distinct.slice(0, slotCount);
  return {
    slotOfRow,
    slotCount,
    slotsOfKeys: (wanted) => {
      // Walk the wanted keys in ascending order alongside the ascending slot keys; snapshots
      // usually list keys in ascending order already, others are sorted first.
      const m = wanted.length;
      const slotsOf = new Int32Array(m).fill(-1);
      let ascending = true;
      for (let j = 1; j < m && ascending; j++) ascending = (wanted[j - 1] as number) <= (wanted[j] as number);
      let order: Uint32Array | undefined;
      let sortedKeys = wanted;
      if (!ascending) {
        const rows = new Uint32Array(m);
        for (let j = 0; j < m; j++) rows[j] = j;
        ({ rows: order, time: sortedKeys } = orderRowsByTime(rows, wanted));
      }
      for (let j = 0, slot = 0; j < m; j++) {
        const key = sortedKeys[j] as number;
        while (slot < slotCount && (keyOfSlot[slot] as number) < key) slot++;
        if (slot < slotCount && keyOfSlot[slot] === key)
          slotsOf[order === undefined ? j : (order[j] as number)] = slot;
      }
      return slotsOf;
    },
  };
}

/** Bits per radix pass: 2048 counters stay in the first-level cache. */
const RADIX_BITS = 11;
const RADIX_MASK = (1 << RADIX_BITS) - 1;

/** Row indices ordered by key: a stable LSD radix sort in three 11-bit passes, keys carried along. */
function radixSortRowsByKey(keys: Uint32Array, n: number): Uint32Array {
  let rowsFrom = new Uint32Array(n);
  for (let i = 0; i < n; i++) rowsFrom[i] = i;
  let rowsTo = new Uint32Array(n);
  let keysFrom = keys.slice(0, n);
  let keysTo = new Uint32Array(n);
  const counts = new Uint32Array(1 << RADIX_BITS);
  for (let shift = 0; shift < 32; shift += RADIX_BITS) {
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const d = ((keysFrom[i] as number) >>> shift) & RADIX_MASK;
      counts[d] = (counts[d] as number) + 1;
    }
    if (counts.includes(n)) continue;
    let sum = 0;
    for (let d = 0; d < counts.length; d++) {
      const c = counts[d] as number;
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const k = keysFrom[i] as number;
      const d = (k >>> shift) & RADIX_MASK;
      const at = counts[d] as number;
      counts[d] = at + 1;
      rowsTo[at] = rowsFrom[i] as number;
      keysTo[at] = k;
    }
    [rowsFrom, rowsTo] = [rowsTo, rowsFrom];
    [keysFrom, keysTo] = [keysTo, keysFrom];
  }
  return rowsFrom;
}
