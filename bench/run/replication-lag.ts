import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from 'mysql2/promise';
import { percentileNearestRank } from '../../checker/index.ts';
import type { ReplicationLag } from '../../reports/types.ts';
import type { ReplicaControl } from '../../services/types.ts';
import { readDbVersions } from '../../strategies/db-access.ts';

/** How often the replica's own `Seconds_Behind_Master` is read during the measured load. */
export const STATUS_INTERVAL_MS = 250;
/** At most one sampled write per this many ms: the sampler stays a trickle beside the load. */
const WRITE_SAMPLE_SPACING_NS = 100e6;
/** How often the replica is asked for the versions of the sampled writes still not visible. */
const VISIBILITY_POLL_MS = 10;
/** Sampled writes waited for at once; further writes are not sampled while this many wait. */
const MAX_PENDING = 64;
/** Longest wait, after the load, for the sampled writes the replica has not applied yet. */
export const VISIBILITY_WAIT_MS = 15_000;

/** A sampled ok write, waiting to be seen on the replica. */
interface PendingWrite {
  key: number;
  version: number;
  completeNs: number;
}

/** What the sampler measured: the replica's own lag reports and how late sampled writes became visible. */
export interface LagSamples {
  /** Seconds_Behind_Master per status read; null when the replica did not know (its SQL thread stopped). */
  secondsBehindMaster: (number | null)[];
  /** ms from a sampled write's ok to the first poll that found its version on the replica. */
  visibilityLagMs: number[];
  /** Sampled writes not visible on the replica when the sampler gave up waiting. */
  notVisible: number;
  /** Status reads that failed (the replica did not answer). */
  failedReads: number;
}

/**
 * Measures how far the MySQL replica is behind, two ways, during the measured load
 * (docs/definitions.md "Replication lag"):
 * - what the replica says: `Seconds_Behind_Master` from its `SHOW SLAVE STATUS`, every
 *   {@link STATUS_INTERVAL_MS} ms;
 * - what it serves: for a write sampled every ≥100 ms among those that completed ok, the time
 *   from the write's completion until the replica holds its version (or a later one), polled
 *   every {@link VISIBILITY_POLL_MS} ms over a direct connection.
 * Both read the replica only; the primary is never asked.
 */
export class ReplicationLagSampler {
  private readonly samples: LagSamples = {
    secondsBehindMaster: [],
    visibilityLagMs: [],
    notVisible: 0,
    failedReads: 0,
  };
  private readonly pending: PendingWrite[] = [];
  private lastSampleNs = Number.NEGATIVE_INFINITY;
  private sampling = true;
  private polling = true;
  private readonly loops: Promise<void>[];

  constructor(
    private readonly replica: ReplicaControl,
    private readonly replicaPool: Pool,
    /** The run clock, ns (the history's). */
    private readonly now: () => number,
  ) {
    this.loops = [this.statusLoop(), this.visibilityLoop()];
  }

  /** Called for every measured write that completed ok. */
  onWriteOk(key: number, version: number, completeNs: number): void {
    if (!this.sampling || completeNs - this.lastSampleNs < WRITE_SAMPLE_SPACING_NS) return;
    if (this.pending.length >= MAX_PENDING) return;
    this.lastSampleNs = completeNs;
    this.pending.push({ key, version, completeNs });
  }

  /** Stops reading the replica's status and sampling writes (the load stopped); the sampled writes are still watched. */
  stopSampling(): void {
    this.sampling = false;
  }

  /**
   * Stops sampling, waits up to `waitMs` for the sampled writes the replica has not applied yet
   * (after the faults healed it catches up), and returns what was measured.
   */
  async finish(waitMs = VISIBILITY_WAIT_MS): Promise<LagSamples> {
    this.stopSampling();
    const deadline = performance.now() + waitMs;
    while (this.pending.length > 0 && performance.now() < deadline) await sleep(VISIBILITY_POLL_MS);
    this.polling = false;
    await Promise.all(this.loops);
    this.samples.notVisible = this.pending.length;
    return this.samples;
  }

  private async statusLoop(): Promise<void> {
    while (this.sampling) {
      try {
        this.samples.secondsBehindMaster.push((await this.replica.status()).secondsBehindMaster);
      } catch {
        this.samples.failedReads++;
      }
      await sleep(STATUS_INTERVAL_MS);
    }
  }

  private async visibilityLoop(): Promise<void> {
    while (this.polling) {
      if (this.pending.length > 0) {
        const batch = [...this.pending];
        try {
          const versions = await readDbVersions(
            this.replicaPool,
            batch.map((write) => write.key),
          );
          const seenNs = this.now();
          batch.forEach((write, i) => {
            if ((versions[i] ?? 0) < write.version) return;
            this.samples.visibilityLagMs.push(Math.max(0, (seenNs - write.completeNs) / 1e6));
            this.pending.splice(this.pending.indexOf(write), 1);
          });
        } catch {
          // A replica that does not answer now may answer at the next poll.
        }
      }
      await sleep(VISIBILITY_POLL_MS);
    }
  }
}

/** The result's `replication` section from the samples (pure). */
export function summariseReplicationLag(
  samples: LagSamples,
  readFrom: 'primary' | 'replica',
  statusIntervalMs = STATUS_INTERVAL_MS,
): ReplicationLag {
  const known = Float64Array.from(
    samples.secondsBehindMaster.filter((value): value is number => value !== null),
  ).sort();
  const lags = Float64Array.from(samples.visibilityLagMs).sort();
  const at = (sorted: Float64Array, p: number): number | null =>
    sorted.length === 0 ? null : round(percentileNearestRank(sorted, p));
  return {
    topology: 'primary-replica',
    readFrom,
    secondsBehindMaster: {
      intervalMs: statusIntervalMs,
      samples: samples.secondsBehindMaster.length,
      unknown: samples.secondsBehindMaster.length - known.length,
      failedReads: samples.failedReads,
      p50: at(known, 50),
      max: known.length === 0 ? null : (known[known.length - 1] as number),
    },
    visibilityLagMs: {
      samples: lags.length + samples.notVisible,
      notVisible: samples.notVisible,
      p50: at(lags, 50),
      p99: at(lags, 99),
      max: lags.length === 0 ? null : round(lags[lags.length - 1] as number),
    },
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
