import type { StaleReadTable } from './read-analysis.ts';
import { type AnomalySeries, type History, OP_READ, OUTCOME_OK } from './types.ts';

const NS_PER_SECOND = 1e9;

/**
 * Per-second counts by invoke time (index = floor(invokeNs / 1e9); negative or non-finite times count in
 * second 0): reads, writes, errors (outcome not ok) and stale reads.
 */
export function anomalySeries(history: History, stale: StaleReadTable): AnomalySeries {
  const n = history.length;
  const { kind, outcome, invokeNs } = history;
  let lastSecond = -1;
  for (let i = 0; i < n; i++) lastSecond = Math.max(lastSecond, secondOf(invokeNs[i] as number));
  const seconds = lastSecond + 1;
  const reads = new Float64Array(seconds);
  const writes = new Float64Array(seconds);
  const errors = new Float64Array(seconds);
  const staleReads = new Float64Array(seconds);
  for (let i = 0; i < n; i++) {
    const s = secondOf(invokeNs[i] as number);
    if (kind[i] === OP_READ) reads[s] = (reads[s] as number) + 1;
    else writes[s] = (writes[s] as number) + 1;
    if (outcome[i] !== OUTCOME_OK) errors[s] = (errors[s] as number) + 1;
  }
  for (let j = 0; j < stale.count; j++) {
    const s = secondOf(invokeNs[stale.op[j] as number] as number);
    staleReads[s] = (staleReads[s] as number) + 1;
  }
  return {
    staleReads: Array.from(staleReads),
    reads: Array.from(reads),
    writes: Array.from(writes),
    errors: Array.from(errors),
  };
}

function secondOf(invokeNs: number): number {
  return Number.isFinite(invokeNs) && invokeNs > 0 ? Math.floor(invokeNs / NS_PER_SECOND) : 0;
}
