import * as hdr from 'hdr-histogram-js';
import type { LatencySummary } from '../../reports/types.ts';

/** One second of measured load, before the checker adds its stale-read count. */
export interface SecondMetrics {
  second: number;
  /** Operations that completed in this second, whatever their outcome. */
  ops: number;
  /** Of them, those that completed ok. */
  okOps: number;
  reads: number;
  writes: number;
  errors: number;
  /** p99 of the ok reads and ok writes completed in this second. */
  readP99Ms: number;
  writeP99Ms: number;
}

/** Everything the metrics collected, ready for the result. */
export interface MetricsSnapshot {
  reads: number;
  writes: number;
  errors: number;
  errorsByKind: Record<string, number>;
  cacheHits: number;
  cacheMisses: number;
  /** Latencies of the operations that completed ok. */
  read: LatencySummary;
  write: LatencySummary;
  /** Latencies of the operations that failed or whose outcome is unknown, apart. */
  failed: { read: LatencySummary; write: LatencySummary };
  timeline: SecondMetrics[];
}

/** Latencies are kept in microseconds; one hour is the largest tracked without resizing. */
const HIGHEST_US = 3_600_000_000;
const NS_PER_US = 1000;
const NS_PER_SECOND = 1e9;

function newHistogram(digits: 2 | 3): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: digits,
    autoResize: true,
  });
}

/** Summarises a microsecond histogram in milliseconds (all zeros when empty). */
export function summarizeLatency(histogram: hdr.Histogram): LatencySummary {
  const count = histogram.totalCount;
  if (count === 0) return { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 };
  const ms = (us: number): number => Math.round(us) / 1000;
  return {
    count,
    p50: ms(histogram.getValueAtPercentile(50)),
    p90: ms(histogram.getValueAtPercentile(90)),
    p99: ms(histogram.getValueAtPercentile(99)),
    p999: ms(histogram.getValueAtPercentile(99.9)),
    max: ms(histogram.maxValue),
    mean: Math.round(histogram.mean) / 1000,
  };
}

/**
 * Counters and HDR histograms of the measured operations. Seconds are counted from the
 * start of measurement by completion time; completions arrive in clock order (one event
 * loop, one monotonic clock), so each second's p99 is folded as soon as the next starts
 * and only two small per-second histograms are alive at a time.
 */
export class RunMetrics {
  reads = 0;
  writes = 0;
  errors = 0;
  cacheHits = 0;
  cacheMisses = 0;
  readonly errorsByKind = new Map<string, number>();
  private readonly readLatency = newHistogram(3);
  private readonly writeLatency = newHistogram(3);
  private readonly failedReadLatency = newHistogram(3);
  private readonly failedWriteLatency = newHistogram(3);
  private readonly secondRead = newHistogram(2);
  private readonly secondWrite = newHistogram(2);
  private readonly timeline: SecondMetrics[] = [];
  private current: SecondMetrics = emptySecond(0);

  /**
   * @param lastSecond operations completing later (those in flight when the load stopped)
   *   count in this second, so the timeline does not end in a misleading near-empty second.
   */
  constructor(private readonly lastSecond = Number.POSITIVE_INFINITY) {}

  /**
   * Records a read that completed at `completeNs` after `latencyNs` (from its intended start);
   * `ok` false for a failed or unknown outcome, whose latency is kept apart.
   */
  recordRead(latencyNs: number, completeNs: number, fromCache: boolean | undefined, ok = true): void {
    const second = this.secondOf(completeNs);
    const us = toMicros(latencyNs);
    if (ok) {
      this.readLatency.recordValue(us);
      this.secondRead.recordValue(us);
      second.okOps++;
    } else this.failedReadLatency.recordValue(us);
    this.reads++;
    second.ops++;
    second.reads++;
    if (fromCache === true) this.cacheHits++;
    else if (fromCache === false) this.cacheMisses++;
  }

  /** Records a write that completed at `completeNs` after `latencyNs`; `ok` as for reads. */
  recordWrite(latencyNs: number, completeNs: number, ok = true): void {
    const second = this.secondOf(completeNs);
    const us = toMicros(latencyNs);
    if (ok) {
      this.writeLatency.recordValue(us);
      this.secondWrite.recordValue(us);
      second.okOps++;
    } else this.failedWriteLatency.recordValue(us);
    this.writes++;
    second.ops++;
    second.writes++;
  }

  /** Counts an operation that did not complete ok (it is also recorded as a read or write). */
  recordError(completeNs: number, errorKind: string): void {
    this.secondOf(completeNs).errors++;
    this.errors++;
    this.errorsByKind.set(errorKind, (this.errorsByKind.get(errorKind) ?? 0) + 1);
  }

  /** Folds the last second and returns everything collected. Call once, after load stopped. */
  snapshot(): MetricsSnapshot {
    this.foldSecond();
    return {
      reads: this.reads,
      writes: this.writes,
      errors: this.errors,
      errorsByKind: Object.fromEntries(this.errorsByKind),
      cacheHits: this.cacheHits,
      cacheMisses: this.cacheMisses,
      read: summarizeLatency(this.readLatency),
      write: summarizeLatency(this.writeLatency),
      failed: {
        read: summarizeLatency(this.failedReadLatency),
        write: summarizeLatency(this.failedWriteLatency),
      },
      timeline: this.timeline,
    };
  }

  private secondOf(completeNs: number): SecondMetrics {
    const second = Math.min(this.lastSecond, Math.max(0, Math.floor(completeNs / NS_PER_SECOND)));
    while (second > this.current.second) {
      const next = this.current.second + 1;
      this.foldSecond();
      this.current = emptySecond(next);
    }
    return this.current;
  }

  private foldSecond(): void {
    this.current.readP99Ms = summarizeLatency(this.secondRead).p99;
    this.current.writeP99Ms = summarizeLatency(this.secondWrite).p99;
    this.secondRead.reset();
    this.secondWrite.reset();
    this.timeline.push(this.current);
  }
}

function emptySecond(second: number): SecondMetrics {
  return { second, ops: 0, okOps: 0, reads: 0, writes: 0, errors: 0, readP99Ms: 0, writeP99Ms: 0 };
}

function toMicros(latencyNs: number): number {
  return Math.max(1, Math.round(latencyNs / NS_PER_US));
}
