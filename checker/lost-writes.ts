import { type KeySlots, keySlots } from './key-slots.ts';
import {
  type CommitEvidence,
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
 * Lost writes (docs/definitions.md): ok writes whose version MySQL never committed, by
 * MySQL's own record of its commits, so a later write of the key cannot hide an earlier loss.
 * Each comes with MySQL's final version of its key. In history row order.
 */
export function findLostWrites(
  history: History,
  commits: Extract<CommitEvidence, { source: 'binlog' }>,
  snapshot: FinalSnapshot,
  inputs?: LostWriteInputs,
): LostWrite[] {
  const slots = inputs?.slots ?? keySlots(history);
  const rows = inputs?.okWriteRows ?? okWriteRowsOf(history);
  const committed = committedBySlot(slots, commits);
  const finalDbVersion = finalVersionsBySlot(slots, snapshot);
  const { version, key } = history;
  const lost: LostWrite[] = [];
  for (let j = 0; j < rows.length; j++) {
    const row = rows[j] as number;
    const slot = slots.slotOfRow[row] as number;
    const v = version[row] as number;
    if (!contains(committed[slot], v)) {
      lost.push({
        op: row,
        key: key[row] as number,
        version: v,
        finalDbVersion: finalDbVersion[slot] as number,
      });
    }
  }
  return lost.sort((a, b) => a.op - b.op);
}

/** Per key slot, the versions MySQL committed, ascending. */
function committedBySlot(
  slots: KeySlots,
  commits: Extract<CommitEvidence, { source: 'binlog' }>,
): (Float64Array | undefined)[] {
  const slotOfCommit = slots.slotsOfKeys(Float64Array.from(commits.key));
  const lists: number[][] = [];
  for (let i = 0; i < slotOfCommit.length; i++) {
    const slot = slotOfCommit[i] as number;
    if (slot < 0) continue;
    let list = lists[slot];
    if (list === undefined) {
      list = [];
      lists[slot] = list;
    }
    list.push(commits.version[i] as number);
  }
  const bySlot: (Float64Array | undefined)[] = new Array(slots.slotCount);
  lists.forEach((list, slot) => {
    bySlot[slot] = Float64Array.from(list).sort();
  });
  return bySlot;
}

function contains(sorted: Float64Array | undefined, value: number): boolean {
  if (sorted === undefined) return false;
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((sorted[mid] as number) < value) low = mid + 1;
    else high = mid;
  }
  return sorted[low] === value;
}

function finalVersionsBySlot(slots: KeySlots, snapshot: FinalSnapshot): Float64Array {
  const finalDbVersion = new Float64Array(slots.slotCount);
  const entries = snapshot.keys;
  const entryKeys = new Float64Array(entries.length);
  for (let j = 0; j < entries.length; j++) entryKeys[j] = (entries[j] as KeySnapshot).key;
  const slotOfEntry = slots.slotsOfKeys(entryKeys);
  for (let j = 0; j < entries.length; j++) {
    const slot = slotOfEntry[j] as number;
    if (slot >= 0) finalDbVersion[slot] = (entries[j] as KeySnapshot).dbVersion;
  }
  return finalDbVersion;
}

/**
 * Ok writes whose version is above MySQL's final version of their key (a key missing from
 * the snapshot counts as version 0, no row): a lower bound of the lost writes, since a later
 * write that reached MySQL hides an earlier loss. In history row order.
 */
export function findWritesAboveFinalRow(
  history: History,
  snapshot: FinalSnapshot,
  inputs?: LostWriteInputs,
): LostWrite[] {
  const slots = inputs?.slots ?? keySlots(history);
  const rows = inputs?.okWriteRows ?? okWriteRowsOf(history);
  const finalDbVersion = finalVersionsBySlot(slots, snapshot);
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
