import type { InvalidationRetrier } from './types.ts';

/** Backoff of the background retries: the first after `baseMs`, doubling up to `maxMs`, at most `maxAttempts`. */
export interface RetryBackoff {
  baseMs: number;
  maxMs: number;
  maxAttempts: number;
}

/** 50 ms, 100 ms, … 1 s, 20 attempts: about 16 s before an invalidation is given up. */
export const DEFAULT_RETRY_BACKOFF: Readonly<RetryBackoff> = Object.freeze({
  baseMs: 50,
  maxMs: 1000,
  maxAttempts: 20,
});

interface QueuedInvalidation {
  attempt: () => Promise<void>;
  attempts: number;
  timer: NodeJS.Timeout | undefined;
  running: boolean;
}

/**
 * The `--on-invalidation-error retry` queue: a failed cache delete is acknowledged and retried
 * here, in this process, with bounded exponential backoff. It lives in memory only: a process
 * crash loses whatever is queued, and the entry stays stale until its TTL.
 */
export class InvalidationRetryQueue implements InvalidationRetrier {
  private readonly queued = new Map<number, QueuedInvalidation>();
  private readonly count = {
    invalidationsQueued: 0,
    invalidationRetries: 0,
    invalidationsHealed: 0,
    invalidationsAbandoned: 0,
  };
  private closed = false;

  constructor(private readonly backoff: RetryBackoff = DEFAULT_RETRY_BACKOFF) {}

  /** Invalidations waiting for a retry. */
  get size(): number {
    return this.queued.size;
  }

  enqueue(key: number, attempt: () => Promise<void>): void {
    if (this.closed) return;
    this.count.invalidationsQueued++;
    const existing = this.queued.get(key);
    if (existing !== undefined) {
      existing.attempt = attempt;
      return;
    }
    const entry: QueuedInvalidation = { attempt, attempts: 0, timer: undefined, running: false };
    this.queued.set(key, entry);
    this.schedule(key, entry, this.backoff.baseMs);
  }

  async drain(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (this.queued.size > 0 && performance.now() < deadline) {
      await Promise.all([...this.queued].map(([key, entry]) => this.retry(key, entry)));
      if (this.queued.size > 0) await new Promise((resolve) => setTimeout(resolve, this.backoff.baseMs));
    }
  }

  counters(): Record<string, number> {
    return { ...this.count };
  }

  close(): void {
    this.closed = true;
    for (const entry of this.queued.values()) clearTimeout(entry.timer);
    this.queued.clear();
  }

  private schedule(key: number, entry: QueuedInvalidation, delayMs: number): void {
    entry.timer = setTimeout(() => void this.retry(key, entry), delayMs);
    entry.timer.unref();
  }

  private async retry(key: number, entry: QueuedInvalidation): Promise<void> {
    if (entry.running || this.queued.get(key) !== entry) return;
    clearTimeout(entry.timer);
    entry.running = true;
    entry.attempts++;
    this.count.invalidationRetries++;
    const attempt = entry.attempt;
    try {
      await attempt();
      // A newer failure of the key while this attempt ran must still be retried.
      if (entry.attempt === attempt) {
        this.queued.delete(key);
        this.count.invalidationsHealed++;
        return;
      }
    } catch {
      if (entry.attempts >= this.backoff.maxAttempts) {
        this.queued.delete(key);
        this.count.invalidationsAbandoned++;
        return;
      }
    } finally {
      entry.running = false;
    }
    if (!this.closed && this.queued.get(key) === entry) {
      this.schedule(key, entry, Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** entry.attempts));
    }
  }
}
