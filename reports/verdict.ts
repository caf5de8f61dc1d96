import type { WindowMetrics } from '../checker/types.ts';
import { formatDuration } from '../kernel/duration.ts';
import { formatDecimal, formatInteger, formatMs, formatPercent } from './format.ts';
import type { FaultWindow, RunResult } from './types.ts';

/** The strategy every other is measured against: no cache at all. */
export const CONTROL_STRATEGY = 'db-only';

/** How a verdict reads at a glance. */
export type VerdictTone = 'good' | 'bad' | 'warn';

/** A run's verdict in words, made from its numbers only (and those of the control). */
export interface Verdict {
  tone: VerdictTone;
  /** One sentence: what went wrong (or that nothing did) and the speed against the control. */
  headline: string;
  /** What went wrong, one sentence per kind of anomaly; one sentence when nothing did. */
  consistency: string[];
  /** What it cost against the `db-only` control; one sentence saying why not when there is none. */
  cost: string[];
  /** Under faults: inside against outside the windows, and each fault's effect. Empty for a calm run. */
  faults: string[];
}

/** `×2.31`, `×0.5`: a factor with three significant digits. */
export function factor(value: number, control: number): string {
  if (control === 0) return value === 0 ? '×1' : 'from 0';
  return `×${Number((value / control).toPrecision(3))}`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatInteger(n)} ${n === 1 ? one : many}`;
}

/** How long a key left stale in the cache stays so: the TTL ends it, or nothing does. */
export function ttlConsequence(ttlSeconds: number, keys = 1): string {
  const it = keys === 1 ? 'it' : 'them';
  return ttlSeconds === 0
    ? `with TTL 0 (no expiry) nothing ends ${it} but a later write of the key`
    : `a TTL of ${formatDuration(ttlSeconds * 1000)} ends ${it} at the latest that long after the entry was set`;
}

function staleReadSentence(result: RunResult): string | null {
  const c = result.consistency;
  if (c.staleReads === 0) return null;
  const s = c.staleness;
  return (
    `${plural(c.staleReads, 'read')} of ${formatInteger(c.readsChecked)} (${formatPercent(c.staleReadRate)}; ` +
    `${formatPercent(c.staleReadRateAfterWrite)} of the reads after a write) returned a version older than a write ` +
    `completed before they began: half were at most ${formatMs(s.p50Ms)} ms old, p99 ${formatMs(s.p99Ms)} ms, ` +
    `the oldest ${formatMs(s.maxMs)} ms, at most ${plural(s.maxVersionLag, 'version')} behind.`
  );
}

function divergentSentences(result: RunResult): string[] {
  const c = result.consistency;
  const older = c.divergent.filter((d) => d.kind === 'cache-older').length;
  const newer = c.divergentKeys - older;
  const sentences: string[] = [];
  if (older > 0) {
    sentences.push(
      `${plural(older, 'key was', 'keys were')} left stale in the cache after the run settled (older than MySQL); ${ttlConsequence(result.run.ttlSeconds, older)}.`,
    );
  }
  if (newer > 0) {
    sentences.push(
      `${plural(newer, 'key holds', 'keys hold')} a version in the cache that MySQL never got (cache newer than MySQL).`,
    );
  }
  return sentences;
}

function lostWriteSentence(result: RunResult): string | null {
  const c = result.consistency;
  if (c.lostWrites === null) {
    return (
      `Lost writes were not measured (${c.lostWritesMeasuredBy}); ` +
      `${plural(c.writesAboveFinalRow, 'acknowledged write is', 'acknowledged writes are')} above MySQL's final row, a lower bound.`
    );
  }
  if (c.lostWrites === 0) return null;
  return `${plural(c.lostWrites, 'acknowledged write was', 'acknowledged writes were')} lost: MySQL's binary log never had ${c.lostWrites === 1 ? 'its version' : 'their versions'}.`;
}

function consistencySentences(result: RunResult): string[] {
  const sentences = [
    staleReadSentence(result),
    ...divergentSentences(result),
    lostWriteSentence(result),
  ].filter((s): s is string => s !== null);
  const c = result.consistency;
  if (
    c.staleReads === 0 &&
    c.divergentKeys === 0 &&
    (c.lostWrites ?? 0) === 0 &&
    c.writesAboveFinalRow === 0
  ) {
    sentences.unshift('No stale read, no key left stale and no acknowledged write lost.');
  }
  return sentences;
}

/** MySQL statements per operation that completed ok. */
function queriesPerOk(result: RunResult): number {
  return result.throughput.okOps === 0 ? 0 : result.db.queries / result.throughput.okOps;
}

function costSentences(result: RunResult, control: RunResult | undefined): string[] {
  if (result.run.strategy === CONTROL_STRATEGY) {
    return [
      'This is the db-only control: every read and write goes to MySQL, and the other patterns are measured against it.',
    ];
  }
  if (control === undefined)
    return ['No db-only control ran beside it, so its cost is not relative to anything.'];
  const t = result.throughput;
  const ct = control.throughput;
  const sentences = [
    `Against db-only: goodput ${factor(t.goodput, ct.goodput)} (${formatDecimal(t.goodput, 0)} against ${formatDecimal(ct.goodput, 0)} ok ops/s), ` +
      `read p99 ${factor(result.latency.read.p99, control.latency.read.p99)} (${formatMs(result.latency.read.p99)} against ${formatMs(control.latency.read.p99)} ms), ` +
      `write p99 ${factor(result.latency.write.p99, control.latency.write.p99)} (${formatMs(result.latency.write.p99)} against ${formatMs(control.latency.write.p99)} ms).`,
  ];
  const own = queriesPerOk(result);
  const base = queriesPerOk(control);
  if (base > 0) {
    const saved = 1 - own / base;
    sentences.push(
      `MySQL queries per ok operation: ${formatDecimal(own, 3)} against ${formatDecimal(base, 3)}` +
        (saved >= 0 ? ` (${formatPercent(saved)} saved).` : ` (${formatPercent(-saved)} more).`),
    );
  }
  return sentences;
}

/** What a fault did to the run, in words, from its `effect` and `recoveryMs`. */
export function effectText(fault: Pick<FaultWindow, 'effect' | 'recoveryMs'>): string {
  switch (fault.effect) {
    case 'none':
      return 'no effect: the run stayed at its level before the fault';
    case 'recovered':
      return `recovered ${formatDuration(fault.recoveryMs ?? 0)} after the heal`;
    case 'not-recovered':
      return 'not back to its level before the fault by the end of the run';
    case 'not-healed':
      return 'never healed before the run ended';
    case 'no-baseline':
      return 'recovery unknown: no calm second before the fault to compare with';
    default:
      return 'recovery not analysed';
  }
}

/** "goodput 5,100 against 14,300 ok ops/s, errors 0.1% against 0%, …": one side against the other. */
export function windowComparison(inside: WindowMetrics, outside: WindowMetrics): string {
  const p99 = (m: WindowMetrics): string =>
    m.okOps === 0 ? 'none ok' : `${formatMs(Math.max(m.latency.read.p99Ms, m.latency.write.p99Ms))} ms`;
  return (
    `goodput ${formatDecimal(inside.goodput, 0)} against ${formatDecimal(outside.goodput, 0)} ok ops/s, ` +
    `error rate ${formatPercent(inside.errorRate)} against ${formatPercent(outside.errorRate)}, ` +
    `p99 ${p99(inside)} against ${p99(outside)}, ` +
    `${plural(inside.staleReads, 'stale read')} (${formatPercent(inside.staleReadRate)}) against ${formatInteger(outside.staleReads)} (${formatPercent(outside.staleReadRate)})`
  );
}

function faultSentences(result: RunResult): string[] {
  const windows = result.faultWindows;
  const sentences: string[] = [];
  if (windows !== undefined) {
    sentences.push(
      `Inside the fault windows against outside: ${windowComparison(windows.inside, windows.outside)}.`,
    );
  }
  for (const fault of result.run.faults) {
    const span = `${formatDuration(fault.startMs)}–${fault.healMs === null ? 'end' : formatDuration(fault.healMs)}`;
    sentences.push(`${fault.id} (${span}): ${effectText(fault)}.`);
  }
  return sentences;
}

function headlineOf(result: RunResult, control: RunResult | undefined): string {
  const c = result.consistency;
  const problems: string[] = [];
  if (c.staleReads > 0)
    problems.push(`${plural(c.staleReads, 'stale read')} (${formatPercent(c.staleReadRate)})`);
  const older = c.divergent.filter((d) => d.kind === 'cache-older').length;
  if (older > 0)
    problems.push(
      `${plural(older, 'key')} left stale${result.run.ttlSeconds === 0 ? ' for good' : ' until the TTL'}`,
    );
  if (c.divergentKeys - older > 0) problems.push(`${plural(c.divergentKeys - older, 'key')} ahead of MySQL`);
  if (c.lostWrites !== null && c.lostWrites > 0)
    problems.push(`${plural(c.lostWrites, 'acknowledged write')} lost`);
  if (c.lostWrites === null && c.writesAboveFinalRow > 0)
    problems.push(`at least ${plural(c.writesAboveFinalRow, 'acknowledged write')} lost`);
  const what =
    problems.length === 0
      ? c.lostWrites === null
        ? 'no stale read and no key left stale (lost writes not measured)'
        : 'consistent: no stale read, no key left stale, no write lost'
      : problems.join(', ');
  const speed =
    control === undefined || result.run.strategy === CONTROL_STRATEGY
      ? `${formatDecimal(result.throughput.goodput, 0)} ok ops/s`
      : `goodput ${factor(result.throughput.goodput, control.throughput.goodput)} db-only's`;
  const interrupted = result.run.interrupted ? ' (interrupted: only the part that ran)' : '';
  return `${result.run.strategy}: ${what}; ${speed}${interrupted}.`;
}

/**
 * The verdict of one run in words, generated from its numbers: what went wrong, what it cost
 * against `control` (the `db-only` run of the same matrix or grid, when there is one), and
 * what the faults did. Pure: the same result gives the same words.
 */
export function verdictOf(result: RunResult, control?: RunResult): Verdict {
  const c = result.consistency;
  const anomalies =
    c.staleReads > 0 || c.divergentKeys > 0 || (c.lostWrites ?? 0) > 0 || c.writesAboveFinalRow > 0;
  const tone: VerdictTone = anomalies
    ? 'bad'
    : result.run.interrupted || c.lostWrites === null
      ? 'warn'
      : 'good';
  return {
    tone,
    headline: headlineOf(result, control),
    consistency: consistencySentences(result),
    cost: costSentences(result, control),
    faults: faultSentences(result),
  };
}

/** The verdict as plain text lines (the terminal summary prints these). */
export function verdictLines(verdict: Verdict): string[] {
  return [verdict.headline, ...verdict.consistency, ...verdict.cost, ...verdict.faults];
}

/** The control run among `results`, when one ran. */
export function controlOf(results: readonly RunResult[]): RunResult | undefined {
  return results.find((r) => r.run.strategy === CONTROL_STRATEGY);
}
