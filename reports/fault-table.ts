import type { WindowMetrics } from '../checker/types.ts';
import { formatDuration } from '../kernel/duration.ts';
import { html, type SafeHtml } from './escape.ts';
import { faultColor } from './fault-colors.ts';
import { formatDecimal, formatInteger, formatMs, formatPercent } from './format.ts';
import type { RunResult } from './types.ts';
import { effectText } from './verdict.ts';

function metricCells(m: WindowMetrics | undefined): SafeHtml {
  if (m === undefined) return html`<td class="muted" colspan="6">not recorded in this result</td>`;
  return html`<td class="num" data-label="time">${formatDuration(Math.round(m.durationMs))}</td><td class="num" data-label="goodput">${formatDecimal(m.goodput, 0)} ok ops/s</td><td class="num" data-label="error rate">${formatPercent(m.errorRate)}</td><td class="num" data-label="read p99">${formatMs(m.latency.read.p99Ms)} ms</td><td class="num" data-label="write p99">${formatMs(m.latency.write.p99Ms)} ms</td><td class="num" data-label="stale reads">${formatInteger(m.staleReads)} (${formatPercent(m.staleReadRate)})</td>`;
}

/**
 * Each fault window against the rest of the run: goodput, error rate, p99 and stale reads of
 * the operations invoked inside each window, inside any window and outside them all, and
 * each fault's recovery and effect. Empty for a calm run.
 */
export function faultWindowTable(result: RunResult): SafeHtml | '' {
  const windows = result.faultWindows;
  if (result.run.faults.length === 0) return '';
  const rows = result.run.faults.map(
    (f) =>
      html`<tr data-fault="${f.id}"><th scope="row"><span class="swatch" style="background:${faultColor(f)}"></span>${f.id} ${formatDuration(f.startMs)}–${f.healMs === null ? 'end' : formatDuration(f.healMs)}</th>${metricCells(f.inside)}<td data-label="recovery" data-effect="${f.effect ?? ''}">${effectText(f)}</td></tr>`,
  );
  const totals =
    windows === undefined
      ? ''
      : html`<tr><th scope="row">inside any window</th>${metricCells(windows.inside)}<td data-label="recovery"></td></tr><tr><th scope="row">outside the windows</th>${metricCells(windows.outside)}<td data-label="recovery"></td></tr>`;
  return html`<div class="scroll"><table class="fault-windows stack"><thead><tr><th>window</th><th class="num">time</th><th class="num">goodput</th><th class="num">error rate</th><th class="num">read p99</th><th class="num">write p99</th><th class="num">stale reads</th><th>recovery after the heal</th></tr></thead><tbody>${rows}${totals}</tbody></table></div>
<p class="muted">Operations by invoke time; latencies of ok operations only (nearest rank). Recovery: from the heal until three seconds in a row are back to the level before the fault, within its noise.</p>`;
}
