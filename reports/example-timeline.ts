import type { AnomalyExample, ExampleOperation, ExampleStep } from '../checker/types.ts';
import { html, type SafeHtml } from './escape.ts';
import { faultColor } from './fault-colors.ts';
import { formatDecimal, formatMs } from './format.ts';
import { type CauseContext, explainExample } from './race-cause.ts';
import type { FaultWindow } from './types.ts';
import { ttlConsequence } from './verdict.ts';

/** What a worked example is drawn with besides itself: the run's settings, faults and findings. */
export interface ExampleContext extends CauseContext {
  ttlSeconds?: number;
  faults?: readonly FaultWindow[];
}

const WIDTH = 960;
const LANE_LABEL = 150;
const RIGHT_PAD = 24;
const LANE_HEIGHT = 58;
const TOP = 12;
const AXIS_HEIGHT = 34;
const READ_COLOR = '#2b6cb0';
const WRITE_COLOR = '#c05621';
const STALE_COLOR = '#c53030';
const DOT_SPACING = 18;

const KIND_TITLES: Record<AnomalyExample['kind'], string> = {
  'stale-read': 'Stale read',
  'divergent-key': 'Divergent key',
  'lost-write': 'Lost write',
};

/** A step as a reader says it: "cache SET v4", "DB read: no row". */
export function describeStep(step: Pick<ExampleStep, 'step' | 'version'>): string {
  const v = step.version > 0 ? ` v${step.version}` : '';
  switch (step.step) {
    case 'cache-get-hit':
      return `cache GET: hit${v}`;
    case 'cache-get-miss':
      return 'cache GET: miss';
    case 'cache-set':
      return `cache SET${v}`;
    case 'cache-del':
      return 'cache DEL';
    case 'db-read':
      return step.version > 0 ? `DB read${v}` : 'DB read: no row';
    case 'db-write':
      return `DB write${v}`;
    case 'queue-push':
      return `queue push${v}`;
    case 'flush':
      return `flush${v} to DB`;
    default:
      return `${step.step}${v}`;
  }
}

/** What an operation did, in a few words: "read → v4 (cache)", "write v5 ok". */
function describeOperation(op: ExampleOperation): string {
  if (op.kind === 'read') {
    const seen = op.outcome !== 'ok' ? op.outcome : op.version > 0 ? `v${op.version}` : 'absent';
    return `read → ${seen}${op.source === null ? '' : ` (${op.source})`}`;
  }
  return `write${op.version > 0 ? ` v${op.version}` : ''} ${op.outcome}`;
}

/** Reads in the example that missed a write the example shows completed before they began. */
function staleReadOps(operations: readonly ExampleOperation[]): Set<number> {
  const stale = new Set<number>();
  for (const read of operations) {
    if (read.kind !== 'read' || read.outcome !== 'ok') continue;
    const missed = operations.some(
      (w) =>
        w.kind === 'write' && w.outcome === 'ok' && w.version > read.version && w.completeMs < read.invokeMs,
    );
    if (missed) stale.add(read.op);
  }
  return stale;
}

/** Who a lane is: an operation with its client, or the pattern's background work. */
function laneLabel(op: number, clientOf: ReadonlyMap<number, number>): string {
  if (op < 0) return 'background';
  const client = clientOf.get(op);
  return client === undefined ? `op ${op}` : `client ${client} · op ${op}`;
}

/**
 * One worked anomaly: its description, its cause in one sentence (reports/race-cause.ts), an
 * SVG timeline with one lane per operation that matters (bars from invocation to completion,
 * numbered dots are the strategy's steps, shaded: fault windows), the rest summarised, and
 * the steps and operations as tables, so the race reads without JavaScript.
 */
export function renderExample(
  example: AnomalyExample,
  index: number,
  context: ExampleContext = {},
): SafeHtml {
  const cause = explainExample(example, context);
  const clientOf = new Map(example.operations.map((op) => [op.op, op.client]));
  const matters = new Set(cause.ops);
  const drawnOps = example.operations.filter((op) => matters.has(op.op));
  const hidden = example.operations.filter((op) => !matters.has(op.op));
  const allSteps = [...example.steps].sort((a, b) => a.atMs - b.atMs);
  const steps = allSteps.filter((s) => matters.has(s.op) || (s.op < 0 && matters.has(-1)));
  const lanes: number[] = [];
  for (const op of drawnOps) if (!lanes.includes(op.op)) lanes.push(op.op);
  for (const step of steps)
    if (!lanes.includes(step.op < 0 ? -1 : step.op)) lanes.push(step.op < 0 ? -1 : step.op);
  const laneOf = (op: number): number => lanes.indexOf(op < 0 ? -1 : op);

  const faults = (context.faults ?? []).filter((f) => cause.faultIds.includes(f.id));
  const times = [
    ...drawnOps.flatMap((op) => [op.invokeMs, op.completeMs]),
    ...steps.map((s) => s.atMs),
    ...faults.map((f) => f.startMs),
  ].filter(Number.isFinite);
  const t0 = times.length === 0 ? 0 : Math.min(...times);
  const t1 = times.length === 0 ? 1 : Math.max(...times);
  const span = Math.max(t1 - t0, 0.001);
  const plotWidth = WIDTH - LANE_LABEL - RIGHT_PAD;
  const xOf = (ms: number): number => LANE_LABEL + ((Math.min(Math.max(ms, t0), t1) - t0) / span) * plotWidth;
  const height = TOP + Math.max(1, lanes.length) * LANE_HEIGHT + AXIS_HEIGHT;
  const stale = staleReadOps(example.operations);
  const shownFaults = (context.faults ?? []).filter(
    (f) => f.startMs <= t1 && (f.healMs ?? Number.POSITIVE_INFINITY) >= t0,
  );

  const parts: SafeHtml[] = [];
  for (const f of shownFaults) {
    const x0 = xOf(f.startMs);
    const x1 = Math.max(xOf(f.healMs ?? t1), x0 + 2);
    const color = faultColor(f);
    const startsHere = f.startMs >= t0;
    const label = startsHere ? f.id : `${f.id} (since ${formatMs(f.startMs)} ms)`;
    parts.push(
      html`<rect x="${x0.toFixed(1)}" y="${TOP - 8}" width="${(x1 - x0).toFixed(1)}" height="${lanes.length * LANE_HEIGHT + 8}" fill="${color}" fill-opacity="0.14"><title>${f.id}</title></rect>`,
      startsHere
        ? html`<line x1="${x0.toFixed(1)}" y1="${TOP - 8}" x2="${x0.toFixed(1)}" y2="${TOP + lanes.length * LANE_HEIGHT}" stroke="${color}" stroke-width="2"/>`
        : html``,
      // The name sits inside the band, right of its start (left of it when the start is far right).
      html`<text x="${(x0 > LANE_LABEL + plotWidth * 0.7 ? x0 - 4 : x0 + 4).toFixed(1)}" y="${TOP + 2}" font-size="12" fill="${color}" text-anchor="${x0 > LANE_LABEL + plotWidth * 0.7 ? 'end' : 'start'}">${label}</text>`,
    );
  }
  lanes.forEach((lane, i) => {
    const y = TOP + i * LANE_HEIGHT;
    parts.push(
      html`<line x1="${LANE_LABEL}" y1="${y + 36}" x2="${WIDTH - RIGHT_PAD}" y2="${y + 36}" stroke="#d9dee5" stroke-dasharray="3 3"/>`,
      html`<text x="8" y="${y + 40}" font-size="13" fill="#1a202c">${laneLabel(lane, clientOf)}</text>`,
    );
  });
  for (const op of drawnOps) {
    const y = TOP + laneOf(op.op) * LANE_HEIGHT;
    const x0 = xOf(op.invokeMs);
    const x1 = Math.max(xOf(op.completeMs), x0 + 3);
    const color = stale.has(op.op) ? STALE_COLOR : op.kind === 'read' ? READ_COLOR : WRITE_COLOR;
    const dash = op.outcome === 'ok' ? '' : html` stroke-dasharray="4 2"`;
    const late = x0 > LANE_LABEL + plotWidth * 0.6;
    parts.push(
      html`<rect x="${x0.toFixed(1)}" y="${y + 28}" width="${(x1 - x0).toFixed(1)}" height="16" rx="3" fill="${color}" fill-opacity="0.22" stroke="${color}"${dash}><title>op ${op.op}: ${describeOperation(op)}, ${formatMs(op.invokeMs)}–${formatMs(op.completeMs)} ms</title></rect>`,
      // Labels of bars in the right part of the plot end at the bar so they stay inside the SVG.
      html`<text x="${(late ? x1 : x0).toFixed(1)}" y="${y + 22}" font-size="12" fill="${color}" text-anchor="${late ? 'end' : 'start'}">${`${describeOperation(op)}${stale.has(op.op) ? ' — stale' : ''}`}</text>`,
    );
  }
  // Dots closer than a dot's width stack below each other instead of hiding one another.
  const placed = new Map<number, number[][]>();
  steps.forEach((step, i) => {
    const x = xOf(step.atMs);
    const lane = laneOf(step.op);
    const levels = placed.get(lane) ?? [];
    let level = levels.findIndex((xs) => xs.every((other) => Math.abs(other - x) >= DOT_SPACING));
    if (level < 0) level = levels.push([]) - 1;
    levels[level]?.push(x);
    placed.set(lane, levels);
    const y = TOP + lane * LANE_HEIGHT + 36 + Math.min(level, 1) * DOT_SPACING;
    parts.push(
      html`<circle cx="${x.toFixed(1)}" cy="${y}" r="8" fill="#1a202c"><title>${describeStep(step)}</title></circle>`,
      html`<text x="${x.toFixed(1)}" y="${y + 4}" font-size="10" fill="#fff" text-anchor="middle">${i + 1}</text>`,
    );
  });
  const axisY = TOP + lanes.length * LANE_HEIGHT + 6;
  parts.push(
    html`<line x1="${LANE_LABEL}" y1="${axisY}" x2="${WIDTH - RIGHT_PAD}" y2="${axisY}" stroke="#5a6473"/>`,
  );
  // One precision for every tick, enough to tell neighbours apart.
  const tickDigits = span < 1 ? 3 : span < 10 ? 2 : span < 100 ? 1 : 0;
  for (let tick = 0; tick <= 4; tick++) {
    const ms = (span * tick) / 4;
    const x = LANE_LABEL + (plotWidth * tick) / 4;
    const anchor = tick === 0 ? 'start' : tick === 4 ? 'end' : 'middle';
    parts.push(
      html`<line x1="${x}" y1="${axisY}" x2="${x}" y2="${axisY + 5}" stroke="#5a6473"/>`,
      html`<text x="${x}" y="${axisY + 18}" font-size="11" fill="#5a6473" text-anchor="${anchor}">+${formatDecimal(ms, tickDigits)} ms</text>`,
    );
  }

  const stepRows = steps.map(
    (step, i) =>
      html`<tr><td class="num" data-label="#">${i + 1}</td><td class="num" data-label="when">+${formatMs(step.atMs - t0)} ms</td><td data-label="who">${laneLabel(step.op, clientOf)}</td><td data-label="step">${describeStep(step)}</td></tr>`,
  );
  const opRows = drawnOps.map(
    (op) =>
      html`<tr><td data-label="operation">op ${op.op}</td><td data-label="client">client ${op.client}</td><td class="num" data-label="invoked">+${formatMs(op.invokeMs - t0)} ms</td><td class="num" data-label="completed">+${formatMs(op.completeMs - t0)} ms</td><td data-label="outcome">${describeOperation(op)}${stale.has(op.op) ? html` <span class="crossed">stale</span>` : ''}</td></tr>`,
  );
  const hiddenSteps = allSteps.length - steps.length;
  const summary =
    hidden.length === 0 && hiddenSteps === 0
      ? ''
      : html`<p class="note">Not drawn: ${hidden.length === 0 ? '' : `${hidden.length} other operation${hidden.length === 1 ? '' : 's'} of key ${example.key} (${hidden.map((op) => `op ${op.op}, client ${op.client}: ${describeOperation(op)}`).join('; ')})`}${hidden.length > 0 && hiddenSteps > 0 ? '; ' : ''}${hiddenSteps === 0 ? '' : `${hiddenSteps} step${hiddenSteps === 1 ? '' : 's'} of operations that do not bear on the cause`}.</p>`;
  const outcomes = new Set([...drawnOps, ...hidden].map((op) => op.outcome));
  const notes = [
    outcomes.has('info')
      ? 'info: the outcome is unknown (the operation timed out or lost its connection), so it may or may not have taken effect; the checker counts it neither for nor against the pattern. Its bar is dashed.'
      : '',
    outcomes.has('fail')
      ? 'fail: the operation was refused before it ran (it did not happen). Its bar is dashed.'
      : '',
    example.kind === 'divergent-key' &&
    context.ttlSeconds !== undefined &&
    !example.description.includes('cache-newer')
      ? `This entry is older than MySQL; ${ttlConsequence(context.ttlSeconds)}.`
      : '',
  ].filter((n) => n !== '');
  return html`<div class="example" id="example-${index + 1}" data-cause="${cause.kind}">
<h3>${index + 1}. ${KIND_TITLES[example.kind] ?? example.kind} on key ${example.key}</h3>
<p class="cause">${cause.sentence}</p>
<p>${example.description}</p>
${notes.map((n) => html`<p class="note">${n}</p>`)}
<p class="muted">Time 0 is ${formatMs(t0)} ms into the run. One lane per operation that bears on the cause. Bars: operations from invocation to completion (<span class="swatch" style="background:${READ_COLOR}"></span>read, <span class="swatch" style="background:${WRITE_COLOR}"></span>write, <span class="swatch" style="background:${STALE_COLOR}"></span>stale read). Numbered dots: the strategy's steps.${shownFaults.length === 0 ? '' : ' Shaded: fault windows.'}</p>
<div class="scroll timeline-scroll"><svg viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${`Timeline of ${example.kind} on key ${example.key}`}">${parts}</svg></div>
<p class="scroll-cue">Scroll the timeline sideways →</p>
${summary}
<table class="steps"><thead><tr><th class="num">#</th><th class="num">when</th><th>who</th><th>step</th></tr></thead><tbody>${stepRows}</tbody></table>
<table class="stack"><thead><tr><th>operation</th><th>client</th><th class="num">invoked</th><th class="num">completed</th><th>outcome</th></tr></thead><tbody>${opRows}</tbody></table>
</div>`;
}
