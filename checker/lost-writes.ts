import { type KeySlots, keySlots } from './key-slots.ts';
import {
  type FinalSnapshot,
  type History,
  type KeySnapshot,
  type LostWrite,
  OP_WRITE,
  OUTCOME_OK,
} from './types.ts';

/** What `check` has already computed and `findLostWrites` can reuse. */
export interface LostWriteInputs {
  slots: KeySlots;
  /** Rows of every ok write, in any order. */
  okWriteRows: Uint32Array;
}

/**
 * Ok writes whose version is above MySQL's final version of their key (a key missing from
 * the snapshot counts as version 0, no row). In history row order.
 */
export function findLostWrites(
  history: History,
  snapshot: FinalSnapshot,
  inputs?: LostWriteInputs,
): LostWrite[] {
  const slots = inputs?.slots ?? keySlots(history);
  const rows = inputs?.okWriteRows ?? okWriteRowsOf(history);
  const finalDbVersion = new Float64Array(slots.slotCount);
  const entries = snapshot.keys;
  const entryKeys = new Float64Array(entries.length);
  for (let j = 0; j < entries.length; j++) entryKeys[j] = (entries[j] as KeySnapshot).key;
  const slotOfEntry = slots.slotsOfKeys(entryKeys);
  for (let j = 0; j < entries.length; j++) {
    const slot = slotOfEntry[j] as number;
    if (slot >= 0) finalDbVersion[slot] = (entries[j] as KeySnapshot).dbVersion;
  }
  const { version, key } = history;
  const lost: LostWrite[] = [];
  for (let j = 0; j < rows.length; j++) {
    const row = rows[j] as number;
    const dbVersion = finalDbVersion[slots.slotOfRow[row] as number] as number;
    if ((version[row] as number) > dbVersion) {
      lost.push({
        op: row,
        key: key[row] as number,
        version: version[row] as number,
        finalDbVersion: dbVersion,
      });
    }
  }
  return lost.sort((a, b) => a.op - b.op);
}

function okWriteRowsOf(history: History): Uint32Array {
  const rows: number[] = [];
  for (let i = 0; i < history.length; i++) {
    if (history.kind[i] === OP_WRITE && history.outcome[i] === OUTCOME_OK) rows.push(i);
  }
  return Uint32Array.from(rows);
}
