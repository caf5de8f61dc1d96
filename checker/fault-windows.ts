import { percentileNearestRank } from './percentile.ts';
import { findStaleReads } from './stale-reads.ts';
import {
  type FaultEffect,
  type FaultEvent,
  type FaultWindowSummary,
  type History,
  OP_READ,
  OUTCOME_OK,
  type WindowMetrics,
} from './types.ts';

/** A fault window on the history clock, in ms; `healMs` null when the fault was never healed. */
export interface FaultSpan {
  startMs: number;
  healMs: number | null;
}

/** Options of {@link analyseFaultWindows}. */
export interface FaultWindowOptions {
  /** End of the measured load, in ms on the history clock. */
  runEndMs: number;
  /** Width of the buckets the recovery time is judged on (default {@link RECOVERY_BUCKET_MS}). */
  bucketMs?: number;
  /** Error kind of operations closed unanswered when the load stopped: neither errors nor latencies. */
  unansweredErrorKind?: string;
  /** Rows of the stale reads, when the caller already found them (check() does); else found here. */
  staleOps?: Uint32Array;
}

/** What {@link analyseFaultWindows} returns. */
export interface FaultWindowAnalysis {
  inside: WindowMetrics;
  outside: WindowMetrics;
  /** Per window, in the order given: the operations invoked inside that window alone. */
  perWindow: WindowMetrics[];
  /** Per window, in the order given: its recovery time in ms, or null (see {@link analyseFaultWindows}). */
  recoveryMs: (number | null)[];
  /** Per window, in the order given: what the fault did to the run. */
  effects: FaultEffect[];
}

/** Default bucket width of the recovery time. */
export const RECOVERY_BUCKET_MS = 1000;
/** Buckets in a row that must be back to the level before the fault for the run to count as recovered. */
export const SUSTAINED_BUCKETS = 3;
/** The smallest tolerance under the level before the fault, as a share of it (the noise may be smaller). */
export const MIN_TOLERANCE_SHARE = 0.1;
/** Standard deviations of the level before the fault that a bucket may fall short by and still count as back. */
export const NOISE_DEVIATIONS = 3;

const NS_PER_MS = 1e6;

interface Side {
  reads: number;
  writes: number;
  errors: number;
  okOps: number;
  unanswered: number;
  failedLatencyNs: number[];
  readsChecked: number;
  staleReads: number;
  readLatencyNs: number[];
  writeLatencyNs: number[];
}

interface Bucket {
  ops: number;
  readsChecked: number;
  staleReads: number;
}

/**
 * Splits a history at the fault windows and measures each fault's recovery (docs/definitions.md
 * "Convergence time"). Operations belong to the side their invoke time falls on; a window
 * covers [startMs, healMs), or up to the end of the run when never healed.
 *
 * Recovery time of a healed window: time is cut into buckets of `bucketMs`.
 * - Throughput here is operations invoked in a bucket that completed ok: a server that refuses
 *   connections fails commands at once, and failures must not pass for recovered throughput.
 * - The level before the fault is measured on the buckets [b·w, (b+1)·w) of the run that end
 *   by the fault's start and overlap no fault window: mean and standard deviation of ok
 *   operations per bucket (tolerance max(3σ, 10% of the mean)), and stale reads over ok reads.
 * - A bucket is disturbed when its ok operations fall below the mean by more than the tolerance,
 *   or its stale-read rate is above the level's by more than three binomial standard deviations.
 * - From the heal on, buckets [heal + i·w, heal + (i+1)·w) that end within the run are judged
 *   in turn; the run recovered at bucket i when buckets i, i+1, i+2 (or all that remain) are
 *   undisturbed. The recovery time is i·w for the first such i; the resolution is one bucket.
 * - Effect `none` (recovery 0) when no whole bucket inside the window and none of the first
 *   three after the heal is disturbed; null with `not-healed`, `no-baseline` (no calm bucket
 *   precedes it) or `not-recovered`.
 */
export function analyseFaultWindows(
  history: History,
  windows: readonly FaultSpan[],
  options: FaultWindowOptions,
): FaultWindowAnalysis {
  const { runEndMs } = options;
  const bucketMs = options.bucketMs ?? RECOVERY_BUCKET_MS;
  const unanswered =
    options.unansweredErrorKind === undefined ? -1 : history.errorKinds.indexOf(options.unansweredErrorKind);
  const merged = mergeSpans(windows, runEndMs);
  const isStale = new Uint8Array(history.length);
  if (options.staleOps !== undefined) for (const op of options.staleOps) isStale[op] = 1;
  else {
    const stale = findStaleReads(history);
    for (let i = 0; i < stale.count; i++) isStale[stale.op[i] as number] = 1;
  }

  const inside = emptySide();
  const outside = emptySide();
  const spans = windows.map((w) => mergeSpans([w], runEndMs));
  const perWindow = windows.map(() => emptySide());
  for (let op = 0; op < history.length; op++) {
    const atMs = (history.invokeNs[op] as number) / NS_PER_MS;
    count(insideAny(merged, atMs) ? inside : outside, history, op, unanswered, isStale);
    spans.forEach((span, w) => {
      if (insideAny(span, atMs)) count(perWindow[w] as Side, history, op, unanswered, isStale);
    });
  }
  const insideMs = merged.reduce((sum, [from, to]) => sum + (to - from), 0);

  const okOps = OkOperations.of(history, isStale);
  const recoveries = windows.map((window) => recoveryOf(okOps, window, windows, runEndMs, bucketMs));
  return {
    inside: metricsOf(inside, insideMs),
    outside: metricsOf(outside, Math.max(0, runEndMs - insideMs)),
    perWindow: perWindow.map((side, w) =>
      metricsOf(
        side,
        (spans[w] as [number, number][]).reduce((sum, [from, to]) => sum + (to - from), 0),
      ),
    ),
    recoveryMs: recoveries.map((r) => r.recoveryMs),
    effects: recoveries.map((r) => r.effect),
  };
}

interface Recovery {
  recoveryMs: number | null;
  effect: FaultEffect;
}

/** The level before a fault: ok operations per bucket (mean and noise) and the stale-read rate. */
interface Level {
  meanOps: number;
  toleranceOps: number;
  staleRate: number;
}

function levelBefore(
  okOps: OkOperations,
  window: FaultSpan,
  windows: readonly FaultSpan[],
  bucketMs: number,
): Level | undefined {
  const counts: number[] = [];
  let readsChecked = 0;
  let staleReads = 0;
  for (let b = 0; (b + 1) * bucketMs <= window.startMs; b++) {
    const from = b * bucketMs;
    const to = from + bucketMs;
    if (windows.some((w) => w.startMs < to && (w.healMs ?? Number.POSITIVE_INFINITY) > from)) continue;
    const bucket = okOps.bucket(from, to);
    counts.push(bucket.ops);
    readsChecked += bucket.readsChecked;
    staleReads += bucket.staleReads;
  }
  if (counts.length === 0) return undefined;
  const meanOps = counts.reduce((sum, n) => sum + n, 0) / counts.length;
  const variance = counts.reduce((sum, n) => sum + (n - meanOps) ** 2, 0) / counts.length;
  return {
    meanOps,
    toleranceOps: Math.max(NOISE_DEVIATIONS * Math.sqrt(variance), MIN_TOLERANCE_SHARE * meanOps),
    staleRate: readsChecked === 0 ? 0 : staleReads / readsChecked,
  };
}

/**
 * A bucket is disturbed when its ok operations fall short of the level by more than the
 * tolerance, or its stale-read rate is above the level's by more than three binomial standard
 * deviations (any stale read, when there was none before).
 */
function disturbed(bucket: Bucket, level: Level): boolean {
  if (bucket.ops < level.meanOps - level.toleranceOps) return true;
  if (bucket.readsChecked === 0) return false;
  const p = level.staleRate;
  const noise = NOISE_DEVIATIONS * Math.sqrt((p * (1 - p)) / bucket.readsChecked);
  return bucket.staleReads / bucket.readsChecked > p + noise;
}

function recoveryOf(
  okOps: OkOperations,
  window: FaultSpan,
  windows: readonly FaultSpan[],
  runEndMs: number,
  bucketMs: number,
): Recovery {
  if (window.healMs === null) return { recoveryMs: null, effect: 'not-healed' };
  const heal = window.healMs;
  const level = levelBefore(okOps, window, windows, bucketMs);
  if (level === undefined) return { recoveryMs: null, effect: 'no-baseline' };
  const after: Bucket[] = [];
  for (let from = heal; from + bucketMs <= runEndMs; from += bucketMs) {
    after.push(okOps.bucket(from, from + bucketMs));
  }
  const calmFrom = (i: number): boolean => {
    const run = after.slice(i, i + SUSTAINED_BUCKETS);
    return run.length > 0 && run.every((bucket) => !disturbed(bucket, level));
  };
  const inside: Bucket[] = [];
  for (let from = window.startMs; from + bucketMs <= heal; from += bucketMs) {
    inside.push(okOps.bucket(from, from + bucketMs));
  }
  if (inside.every((bucket) => !disturbed(bucket, level)) && (after.length === 0 || calmFrom(0))) {
    return { recoveryMs: 0, effect: 'none' };
  }
  for (let i = 0; i < after.length; i++) {
    if (calmFrom(i)) return { recoveryMs: i * bucketMs, effect: 'recovered' };
  }
  return { recoveryMs: null, effect: 'not-recovered' };
}

/**
 * The ok operations by invoke time, with running counts of ok reads and stale reads, so that
 * any time bucket is two binary searches: one pass over the history, whatever the buckets.
 */
class OkOperations {
  private constructor(
    private readonly invokeNs: Float64Array,
    private readonly readsBefore: Uint32Array,
    private readonly staleBefore: Uint32Array,
  ) {}

  static of(history: History, isStale: Uint8Array): OkOperations {
    const rows: number[] = [];
    for (let op = 0; op < history.length; op++) if (history.outcome[op] === OUTCOME_OK) rows.push(op);
    rows.sort((a, b) => (history.invokeNs[a] as number) - (history.invokeNs[b] as number));
    const invokeNs = new Float64Array(rows.length);
    const readsBefore = new Uint32Array(rows.length + 1);
    const staleBefore = new Uint32Array(rows.length + 1);
    rows.forEach((op, i) => {
      invokeNs[i] = history.invokeNs[op] as number;
      const read = history.kind[op] === OP_READ ? 1 : 0;
      readsBefore[i + 1] = (readsBefore[i] as number) + read;
      staleBefore[i + 1] = (staleBefore[i] as number) + read * (isStale[op] as number);
    });
    return new OkOperations(invokeNs, readsBefore, staleBefore);
  }

  /** Ok operations invoked in [fromMs, toMs), with the ok reads among them and the stale reads. */
  bucket(fromMs: number, toMs: number): Bucket {
    const first = this.firstAtOrAfter(fromMs * NS_PER_MS);
    const end = this.firstAtOrAfter(toMs * NS_PER_MS);
    return {
      ops: end - first,
      readsChecked: (this.readsBefore[end] as number) - (this.readsBefore[first] as number),
      staleReads: (this.staleBefore[end] as number) - (this.staleBefore[first] as number),
    };
  }

  private firstAtOrAfter(ns: number): number {
    let low = 0;
    let high = this.invokeNs.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.invokeNs[mid] as number) < ns) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

/** The windows clipped to [0, runEndMs] and merged where they overlap, ascending. */
function mergeSpans(windows: readonly FaultSpan[], runEndMs: number): [number, number][] {
  const spans = windows
    .map((w): [number, number] => [Math.max(0, w.startMs), Math.min(runEndMs, w.healMs ?? runEndMs)])
    .filter(([from, to]) => to > from)
    .sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [from, to] of spans) {
    const last = merged[merged.length - 1];
    if (last !== undefined && from <= last[1]) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }
  return merged;
}

function insideAny(spans: readonly [number, number][], atMs: number): boolean {
  return spans.some(([from, to]) => atMs >= from && atMs < to);
}

/** Adds operation `op` to `side`: one pass counts every side the same way. */
function count(side: Side, history: History, op: number, unanswered: number, isStale: Uint8Array): void {
  const invokeNs = history.invokeNs[op] as number;
  const read = history.kind[op] === OP_READ;
  if (read) side.reads++;
  else side.writes++;
  if (history.error[op] === unanswered && history.outcome[op] !== OUTCOME_OK) {
    side.unanswered++;
    return;
  }
  const latencyNs = (history.completeNs[op] as number) - invokeNs;
  if (history.outcome[op] !== OUTCOME_OK) {
    side.errors++;
    if (Number.isFinite(latencyNs)) side.failedLatencyNs.push(latencyNs);
    return;
  }
  side.okOps++;
  if (read) {
    side.readsChecked++;
    side.staleReads += isStale[op] as number;
  }
  if (Number.isFinite(latencyNs)) (read ? side.readLatencyNs : side.writeLatencyNs).push(latencyNs);
}

function emptySide(): Side {
  return {
    reads: 0,
    writes: 0,
    errors: 0,
    okOps: 0,
    unanswered: 0,
    failedLatencyNs: [],
    readsChecked: 0,
    staleReads: 0,
    readLatencyNs: [],
    writeLatencyNs: [],
  };
}

function metricsOf(side: Side, durationMs: number): WindowMetrics {
  const ops = side.reads + side.writes;
  return {
    durationMs,
    ops,
    reads: side.reads,
    writes: side.writes,
    errors: side.errors,
    okOps: side.okOps,
    goodput: durationMs > 0 ? side.okOps / (durationMs / 1000) : 0,
    attemptedOpsPerSec: durationMs > 0 ? ops / (durationMs / 1000) : 0,
    errorRate: ops - side.unanswered > 0 ? side.errors / (ops - side.unanswered) : 0,
    latency: { read: percentiles(side.readLatencyNs), write: percentiles(side.writeLatencyNs) },
    failedLatency: percentiles(side.failedLatencyNs),
    readsChecked: side.readsChecked,
    staleReads: side.staleReads,
    staleReadRate: side.readsChecked === 0 ? 0 : side.staleReads / side.readsChecked,
  };
}

function percentiles(latenciesNs: number[]): { p50Ms: number; p99Ms: number } {
  const sorted = Float64Array.from(latenciesNs).sort();
  return {
    p50Ms: percentileNearestRank(sorted, 50) / NS_PER_MS,
    p99Ms: percentileNearestRank(sorted, 99) / NS_PER_MS,
  };
}

/**
 * The fault windows of a history: each fault's start paired with its heal by id, in start
 * order, on the history clock in ms; `healMs` null for a fault never healed.
 */
export function faultSpansOf(events: readonly FaultEvent[]): FaultWindowSummary[] {
  const windows = new Map<string, FaultWindowSummary>();
  for (const event of events) {
    if (event.phase === 'start') {
      windows.set(event.id, {
        id: event.id,
        name: event.name,
        kind: event.kind,
        target: event.target,
        params: event.params,
        startMs: event.atNs / NS_PER_MS,
        healMs: null,
        recoveryMs: null,
        effect: 'not-healed',
      });
    } else {
      const window = windows.get(event.id);
      if (window) {
        window.healMs = event.atNs / NS_PER_MS;
        window.effect = 'no-baseline';
      }
    }
  }
  return [...windows.values()];
}
