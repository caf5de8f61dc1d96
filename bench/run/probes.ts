import type { ConsistencyProbe } from '../../checker/types.ts';
import { readCacheVersions } from '../../strategies/cache-codec.ts';
import { readDbVersions } from '../../strategies/db-access.ts';
import type { CacheView } from '../../strategies/types.ts';
import type { DirectConnections } from './direct.ts';

/** Probe delays after a write (Meta's Polaris "consistency nines"). */
export const PROBE_DELAYS_MS = [100, 1000, 10_000] as const;
/** At most one sampled write per this many ms, so probing stays a trickle beside the load. */
const SAMPLE_SPACING_NS = 50e6;

/**
 * Samples writes and, `delay` after each completed ok, reads the key's cache entry over the
 * direct connection (docs/definitions.md "Consistency nines"). The probe is inconsistent only
 * when the cache holds an entry older than the newest version whose write had completed ok
 * before the cache read was sent; a write still in flight (committed in MySQL, its cache step
 * not yet done) is not an inconsistency. MySQL is read after the cache: a row below that
 * newest version while the cache is not is write-behind's flush lag, counted apart.
 * A delay is probed only when the run lasts at least twice that long, and only for writes
 * whose probe time falls before the end of measurement.
 */
export class ConsistencyProber {
  private readonly delaysMs: number[];
  private readonly probes: ConsistencyProbe[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly pending = new Set<Promise<void>>();
  private lastSampleNs = Number.NEGATIVE_INFINITY;
  private closed = false;

  constructor(
    private readonly direct: DirectConnections,
    private readonly measureEndNs: number,
    durationMs: number,
    /** The newest version of a key whose write completed ok so far (the recorder's). */
    private readonly newestOk: (key: number) => number,
    /** How the pattern's cache is read (the snapshot's view). */
    private readonly cacheView: CacheView = readCacheVersions,
  ) {
    this.delaysMs = PROBE_DELAYS_MS.filter((delay) => durationMs >= 2 * delay);
  }

  /** Called for every measured write that completed ok. */
  onWriteOk(op: number, key: number, completeNs: number): void {
    if (this.closed || completeNs - this.lastSampleNs < SAMPLE_SPACING_NS) return;
    this.lastSampleNs = completeNs;
    for (const delayMs of this.delaysMs) {
      if (completeNs + delayMs * 1e6 > this.measureEndNs) continue;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        const probe = this.probe(op, key, delayMs);
        this.pending.add(probe);
        void probe.finally(() => this.pending.delete(probe));
      }, delayMs);
      this.timers.add(timer);
    }
  }

  /** Cancels probes not yet due, waits for running ones, and returns every probe taken. */
  async finish(): Promise<ConsistencyProbe[]> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.all(this.pending);
    return this.probes;
  }

  private async probe(op: number, key: number, delayMs: number): Promise<void> {
    try {
      const newest = this.newestOk(key);
      const [cached = 0] = await this.cacheView(this.direct.redis, [key]);
      const [db = 0] = await readDbVersions(this.direct.pool, [key]);
      const consistent = cached === 0 || cached >= newest;
      // Flush lag: a fresh cache entry ahead of MySQL. No entry and MySQL behind is not lag (after a crash it is a loss: lost writes count it).
      this.probes.push({
        op,
        key,
        delayMs,
        consistent,
        flushLag: cached > 0 && cached >= newest && db < newest,
      });
    } catch {
      // A probe that cannot read (a crashed Redis) says nothing about consistency: skip it.
    }
  }
}
