import type { KeySlots } from './key-slots.ts';
import { orderRowsByTime } from './time-order.ts';
import { type History, OP_WRITE, OUTCOME_OK } from './types.ts';

/**
 * The ok writes in completion order, and per key the writes that raised the key's highest
 * completed version ("records"). Both version and completion time ascend within a key's
 * records, so one binary search finds the first write above a version.
 * Slot s owns records [start[s], end[s]).
 */
export interface WriteRecords {
  /** Ok write rows in completion order (ties in row order). */
  byCompletion: Uint32Array;
  /** Completion time, key slot and version of each row of `byCompletion` (read in sequence by the sweep). */
  completionNs: Float64Array;
  completionSlot: Uint32Array;
  completionVersion: Float64Array;
  start: Uint32Array;
  end: Uint32Array;
  version: Float64Array;
  completeNs: Float64Array;
  /** History row of each record's write. */
  row: Uint32Array;
}

/** Orders the ok writes by completion and builds every key's running-maximum records. */
export function buildWriteRecords(history: History, slots: KeySlots): WriteRecords {
  const n = history.length;
  const { kind, outcome, completeNs, version } = history;
  const slotOfRow = slots.slotOfRow;
  let okWrites = 0;
  for (let i = 0; i < n; i++) if (kind[i] === OP_WRITE && outcome[i] === OUTCOME_OK) okWrites++;
  const okRows = new Uint32Array(okWrites);
  for (let i = 0, w = 0; i < n; i++) if (kind[i] === OP_WRITE && outcome[i] === OUTCOME_OK) okRows[w++] = i;
  const ordered = orderRowsByTime(okRows, completeNs);

  // Counting sort by slot keeps each slot's writes in completion order.
  const start = new Uint32Array(slots.slotCount + 1);
  const completionSlot = new Uint32Array(okWrites);
  const completionVersion = new Float64Array(okWrites);
  for (let j = 0; j < okWrites; j++) {
    const row = ordered.rows[j] as number;
    const s = slotOfRow[row] as number;
    completionSlot[j] = s;
    completionVersion[j] = version[row] as number;
    start[s + 1] = (start[s + 1] as number) + 1;
  }
  for (let s = 0; s < slots.slotCount; s++) start[s + 1] = (start[s + 1] as number) + (start[s] as number);
  const cursor = start.slice(0, slots.slotCount);
  const slotRows = new Uint32Array(okWrites);
  for (let j = 0; j < okWrites; j++) {
    const s = completionSlot[j] as number;
    const at = cursor[s] as number;
    cursor[s] = at + 1;
    slotRows[at] = ordered.rows[j] as number;
  }

  const end = new Uint32Array(slots.slotCount);
  const recordVersion = new Float64Array(okWrites);
  const recordTime = new Float64Array(okWrites);
  const recordRow = new Uint32Array(okWrites);
  for (let s = 0; s < slots.slotCount; s++) {
    let r = start[s] as number;
    let highest = Number.NEGATIVE_INFINITY;
    for (let j = r; j < (start[s + 1] as number); j++) {
      const row = slotRows[j] as number;
      const v = version[row] as number;
      if (v > highest) {
        highest = v;
        recordVersion[r] = v;
        recordTime[r] = completeNs[row] as number;
        recordRow[r] = row;
        r++;
      }
    }
    end[s] = r;
  }
  return {
    byCompletion: ordered.rows,
    completionNs: ordered.time,
    completionSlot,
    completionVersion,
    start,
    end,
    version: recordVersion,
    completeNs: recordTime,
    row: recordRow,
  };
}
