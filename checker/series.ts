import type { StaleReadTable } from './read-analysis.ts';
import type { AnomalySeries, History } from './types.ts';

const NS_PER_SECOND = 1e9;

/**
 * Stale reads per second of invoke time (index = floor(invokeNs / 1e9); negative or
 * non-finite times count in second 0), up to the last second any operation was invoked in.
 */
export function anomalySeries(history: History, stale: StaleReadTable): AnomalySeries {
  const n = history.length;
  const { invokeNs } = history;
  let lastSecond = -1;
  for (let i = 0; i < n; i++) lastSecond = Math.max(lastSecond, secondOf(invokeNs[i] as number));
  const staleReads = new Float64Array(lastSecond + 1);
  for (let j = 0; j < stale.count; j++) {
    const s = secondOf(invokeNs[stale.op[j] as number] as number);
    staleReads[s] = (staleReads[s] as number) + 1;
  }
  return { staleReads: Array.from(staleReads) };
}

function secondOf(invokeNs: number): number {
  return Number.isFinite(invokeNs) && invokeNs > 0 ? Math.floor(invokeNs / NS_PER_SECOND) : 0;
}
