import type { WindowMetrics } from '../../checker/types.ts';
import { formatDuration } from '../../kernel/duration.ts';
import type { RunResult } from '../../reports/types.ts';

/**
 * The summary lines of a run's faults: one per fault (what, when, recovery) and the
 * metrics inside and outside the fault windows. None for a calm run.
 */
export function formatFaultLines(result: RunResult): string[] {
  const lines = result.run.faults.map((fault) => {
    const target = fault.target === '' ? '' : ` on ${fault.target}`;
    const heal = fault.healMs === null ? 'never healed' : `healed ${seconds(fault.healMs)}`;
    const recovery = recoveryText(fault);
    return `fault        ${fault.id}${target} · started ${seconds(fault.startMs)}, ${heal}${recovery}`;
  });
  if (result.faultWindows !== undefined) {
    lines.push(`  inside     ${windowLine(result.faultWindows.inside)}`);
    lines.push(`  outside    ${windowLine(result.faultWindows.outside)}`);
  }
  return lines;
}

function windowLine(metrics: WindowMetrics): string {
  return `goodput ${metrics.goodput.toFixed(0)} ok ops/s of ${metrics.attemptedOpsPerSec.toFixed(0)} · ${metrics.errors} errors (${(metrics.errorRate * 100).toFixed(1)}%) · read p50/p99 ${metrics.latency.read.p50Ms.toFixed(2)}/${metrics.latency.read.p99Ms.toFixed(2)} ms · write p50/p99 ${metrics.latency.write.p50Ms.toFixed(2)}/${metrics.latency.write.p99Ms.toFixed(2)} ms · stale reads ${metrics.staleReads} (${(metrics.staleReadRate * 100).toFixed(3)}%)`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)}s`;
}

/** What the fault did, in words: no effect, recovered after, not recovered, or why it cannot be said. */
function recoveryText(fault: RunResult['run']['faults'][number]): string {
  switch (fault.effect) {
    case 'none':
      return ' · no effect: the run stayed at its level before the fault';
    case 'no-baseline':
      return ' · recovery unknown: no calm second before the fault to compare with';
    case 'not-healed':
      return '';
    case 'not-recovered':
      return ' · not back to its level before the fault within the run';
    default:
      if (fault.recoveryMs === undefined) return '';
      return fault.recoveryMs === null
        ? ' · not back to its level before the fault within the run'
        : ` · recovered ${formatDuration(fault.recoveryMs)} after the heal`;
  }
}
