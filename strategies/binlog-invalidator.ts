import { readFile, rename, writeFile } from 'node:fs/promises';
import ZongJi, { type AnyBinlogEvent, type RowData } from '@vlasky/zongji';
import type { RowDataPacket } from 'mysql2/promise';
import type { HostPort, MysqlAccess } from '../services/types.ts';
import type { StrategySteps } from './steps.ts';
import { sleep } from './strategy-options.ts';

/** A place in MySQL's binary log: file name and byte offset. */
export interface BinlogPosition {
  file: string;
  pos: number;
}

/** Binlog files share one base name with a zero-padded sequence number, so names sort. */
export function comparePositions(a: BinlogPosition, b: BinlogPosition): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.pos - b.pos;
}

/** What the invalidator does with a changed row. */
export type CdcAction = 'delete' | 'versioned-set';

/** A committed row change of `items`, as the invalidator applies it. */
interface RowChange {
  id: number;
  version: number;
  payload: Uint8Array;
  deleted: boolean;
  /** Binlog event timestamp (ms; the binlog keeps whole seconds). */
  eventMs: number;
}

type QueuedWork =
  | { kind: 'rows'; changes: RowChange[]; after: BinlogPosition }
  | { kind: 'mark'; after: BinlogPosition; commit: boolean };

export interface InvalidatorSettings {
  address: HostPort;
  access: MysqlAccess;
  table: string;
  action: CdcAction;
  tombstoneTtlMs: number;
  positionFile: string;
  serverId: number;
  connectTimeoutMs: number;
}

/** Longest pause before reconnecting the binlog stream, or retrying a failed cache step. */
const MAX_BACKOFF_MS = 500;
/** Position saves at most this often while events flow (and always at drain and stop). */
const SAVE_EVERY_MS = 200;
/** Commit times kept for lag measurement at most (oldest dropped first). */
const MAX_TRACKED_COMMITS = 100_000;
/** Lag samples (commit time, lag) kept at most for the percentiles and the fault windows. */
const MAX_LAG_SAMPLES = 500_000;
/** How long a restart keeps trying to reconnect (its MySQL link may be cut at the same time). */
const RESTART_TIMEOUT_MS = 15_000;

/** A fault window of the run, on the run clock (ns): the lag of the rows committed in it is reported apart. */
interface LagWindow {
  id: string;
  startNs: number;
  endNs: number | undefined;
}

/**
 * Reads MySQL's binary log (row events, via @vlasky/zongji, which speaks the replication
 * protocol to MariaDB 10.11 and MySQL) and applies every committed change of `items` to the
 * cache, in binlog order, one at a time: DEL, or a versioned set of the row image. The
 * position after each applied transaction is saved to a file, so a restarted invalidator
 * resumes where the last one stopped (at-least-once: replayed events are harmless, as both
 * actions are idempotent). A broken stream reconnects from the last applied position; a
 * failed cache step is retried until it succeeds or the invalidator stops — nothing is skipped.
 */
export class BinlogInvalidator {
  /** Position after the last event fully handled (any kind). */
  processed: BinlogPosition | undefined;
  /** Position after the last transaction applied: what is saved and resumed from. */
  committed: BinlogPosition | undefined;
  startedFrom: 'saved position' | 'end of binlog' = 'end of binlog';
  /** Where the last start (or restart) began reading. */
  resumedFrom: BinlogPosition | undefined;
  private zongji: ZongJi | undefined;
  private currentFile = '';
  private readonly queue: QueuedWork[] = [];
  private working: Promise<void> | undefined;
  private stopped = false;
  private saveTimer: NodeJS.Timeout | undefined;
  private savedPos: BinlogPosition | undefined;
  private savedOnce = false;
  private saving: Promise<void> = Promise.resolve();
  /** Position after the last event the stream delivered (queued, maybe not applied yet). */
  private received: BinlogPosition | undefined;
  /** True while the worker waits at its pause point. */
  private holding = false;
  private readonly commitTimes = new Map<string, number>();
  /** Incremented by {@link crash}: work of an older generation stops at its next step. */
  private generation = 0;
  /** True between {@link crash} and {@link restart}. */
  crashed = false;
  /** Exact lag samples (this process's writes): commit time (run clock, ns) and lag (ms). */
  private lagCommitNs = new Float64Array(1024);
  private lagMs = new Float64Array(1024);
  private lagCount = 0;
  private readonly windows: LagWindow[] = [];

  constructor(
    private readonly steps: StrategySteps,
    private readonly settings: InvalidatorSettings,
    private readonly now: () => number,
  ) {}

  /** Remembers when a write committed (key, version), to measure the invalidation lag exactly. */
  noteCommit(id: number, version: number): void {
    if (this.commitTimes.size >= MAX_TRACKED_COMMITS) {
      const oldest = this.commitTimes.keys().next();
      if (!oldest.done) this.commitTimes.delete(oldest.value);
    }
    this.commitTimes.set(`${id}:${version}`, this.now());
  }

  /** Starts reading from the saved position (or the binlog's end) and waits until the stream is up. */
  async start(): Promise<void> {
    const from = await this.startPosition();
    this.resumedFrom = from;
    this.committed = from;
    this.processed = from;
    this.savedPos = from;
    await this.connect(from);
    await this.save();
  }

  /** MySQL's current end of binlog. */
  async masterPosition(): Promise<BinlogPosition> {
    this.steps.counter.dbQueries++;
    const [rows] = await this.steps.store.pool.query<RowDataPacket[]>('SHOW MASTER STATUS');
    const row = rows[0];
    if (row === undefined)
      throw new Error('MySQL has no binary log (SHOW MASTER STATUS is empty): start it with --log-bin');
    return { file: String(row.File), pos: Number(row.Position) };
  }

  /** Waits until everything MySQL had logged when called is applied; bounded by `timeoutMs`. */
  async catchUp(timeoutMs: number): Promise<void> {
    const target = await this.masterPosition();
    const deadline = performance.now() + timeoutMs;
    while (
      this.processed === undefined ||
      comparePositions(this.processed, target) < 0 ||
      this.queue.length > 0
    ) {
      if (performance.now() > deadline) {
        throw new Error(
          `cdc invalidator did not reach binlog ${target.file}:${target.pos} within ${timeoutMs} ms ` +
            `(at ${this.processed?.file}:${this.processed?.pos})`,
        );
      }
      await sleep(5);
    }
    await this.save();
  }

  /**
   * Waits until the stream has delivered everything MySQL had logged when called and the
   * worker is idle or held at its pause point: nothing of the invalidator is in flight (the
   * explorer calls it between steps, so that a binlog event's arrival is not a race with the
   * next step). Bounded by `timeoutMs`; returns false when it passed.
   */
  async settle(timeoutMs: number): Promise<boolean> {
    const target = await this.masterPosition();
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const delivered = this.received !== undefined && comparePositions(this.received, target) >= 0;
      const upToDate = this.processed !== undefined && comparePositions(this.processed, target) >= 0;
      if ((delivered || upToDate) && (this.working === undefined || this.holding)) return true;
      if (performance.now() > deadline) return false;
      await sleep(1);
    }
  }

  /** Stops the stream, finishes the event in hand, saves the position. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.saveTimer);
    await this.disconnect();
    await this.working;
    await this.save();
  }

  private async startPosition(): Promise<BinlogPosition> {
    const saved = await readSavedPosition(this.settings.positionFile);
    if (saved !== undefined) {
      this.steps.counter.dbQueries++;
      const [logs] = await this.steps.store.pool.query<RowDataPacket[]>('SHOW BINARY LOGS');
      const log = logs.find((row) => String(row.Log_name) === saved.file);
      if (log !== undefined && saved.pos <= Number(log.File_size)) {
        this.startedFrom = 'saved position';
        return saved;
      }
    }
    this.startedFrom = 'end of binlog';
    return this.masterPosition();
  }

  private connect(from: BinlogPosition): Promise<void> {
    const { address, access, connectTimeoutMs } = this.settings;
    const zongji = new ZongJi({
      host: address.host,
      port: address.port,
      user: access.user,
      password: access.password,
      connectTimeout: connectTimeoutMs,
    });
    this.zongji = zongji;
    this.currentFile = from.file;
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      const timer = setTimeout(() => {
        if (!ready)
          reject(
            new Error(
              `binlog stream at ${address.host}:${address.port} not ready after ${connectTimeoutMs * 2} ms`,
            ),
          );
      }, connectTimeoutMs * 2);
      zongji.on('ready', () => {
        ready = true;
        clearTimeout(timer);
        resolve();
      });
      // A stream dropped (a reconnect, a crash) delivers nothing more: events it still emits
      // while stopping are not the live invalidator's.
      zongji.on('binlog', (event) => {
        if (this.zongji === zongji) this.enqueue(event);
      });
      zongji.on('error', (error) => {
        if (!ready) {
          clearTimeout(timer);
          reject(error);
          return;
        }
        if (this.zongji !== zongji) return;
        this.steps.bump('cdcStreamErrors');
        void this.reconnect();
      });
      zongji.start({ serverId: this.settings.serverId, filename: from.file, position: from.pos });
    });
  }

  private async disconnect(): Promise<void> {
    const zongji = this.zongji;
    this.zongji = undefined;
    if (zongji === undefined) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1000);
      zongji.once('stopped', () => {
        clearTimeout(timer);
        resolve();
      });
      try {
        zongji.stop();
      } catch {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  /** After a stream error: reconnect from the last applied transaction, with growing pauses. */
  private async reconnect(): Promise<void> {
    const generation = this.generation;
    await this.disconnect();
    for (let attempt = 1; !this.stopped; attempt++) {
      await sleep(Math.min(attempt * 50, MAX_BACKOFF_MS));
      if (this.stopped || generation !== this.generation) return;
      await this.working;
      const from = this.committed;
      if (from === undefined) return;
      try {
        this.processed = from;
        await this.connect(from);
        if (generation !== this.generation) {
          await this.disconnect();
          return;
        }
        this.steps.bump('cdcReconnects');
        return;
      } catch {
        await this.disconnect();
      }
    }
  }

  private enqueue(event: AnyBinlogEvent): void {
    const name = event.getEventName();
    if (name === 'rotate' && 'binlogName' in event) {
      this.currentFile = event.binlogName;
      return;
    }
    this.steps.bump('cdcEventsSeen');
    if (event.nextPosition <= 0) return;
    const after = { file: this.currentFile, pos: event.nextPosition };
    if (this.received === undefined || comparePositions(after, this.received) > 0) this.received = after;
    if (name === 'writerows' || name === 'updaterows' || name === 'deleterows') {
      const changes = this.rowChanges(event);
      this.queue.push(
        changes.length === 0 ? { kind: 'mark', after, commit: false } : { kind: 'rows', changes, after },
      );
    } else {
      this.queue.push({ kind: 'mark', after, commit: name === 'xid' || name === 'query' });
    }
    if (this.working === undefined) this.working = this.work();
  }

  private rowChanges(event: AnyBinlogEvent): RowChange[] {
    if (!('tableId' in event) || !('rows' in event)) return [];
    const table = event.tableMap[event.tableId];
    if (
      table === undefined ||
      table.parentSchema !== this.settings.access.database ||
      table.tableName !== this.settings.table
    ) {
      return [];
    }
    const name = event.getEventName();
    const images: RowData[] = (event.rows as unknown[]).map((row) =>
      name === 'updaterows' ? (row as { after: RowData }).after : (row as RowData),
    );
    return images.map((image) => ({
      id: Number(image.id),
      version: Number(image.version),
      payload: image.payload as Buffer,
      deleted: name === 'deleterows',
      eventMs: event.timestamp,
    }));
  }

  private async work(): Promise<void> {
    const generation = this.generation;
    // Yield first, so `working` is set before this loop can finish and clear it.
    await Promise.resolve();
    try {
      for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) {
        if (next.kind === 'rows') {
          for (const change of next.changes) {
            await this.applyWithRetry(change, generation);
            // Crashed meanwhile: the rest of this worker's state is gone with it.
            if (generation !== this.generation) return;
          }
        }
        if (generation !== this.generation) return;
        if (this.processed === undefined || comparePositions(next.after, this.processed) > 0)
          this.processed = next.after;
        const commits = next.kind === 'mark' && next.commit;
        if (commits && (this.committed === undefined || comparePositions(next.after, this.committed) > 0)) {
          this.committed = next.after;
          this.scheduleSave();
        }
      }
    } finally {
      if (generation === this.generation) this.working = undefined;
    }
  }

  private async applyWithRetry(change: RowChange, generation: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.apply(change);
        return;
      } catch (error) {
        if (this.stopped) throw error;
        if (generation !== this.generation) return;
        this.steps.bump('cdcApplyRetries');
        await sleep(Math.min(attempt * 20, MAX_BACKOFF_MS));
      }
    }
  }

  private async apply(change: RowChange): Promise<void> {
    const { steps } = this;
    steps.trace('binlog-event', change.id, change.version, -1);
    const p = steps.pause('before-invalidate', change.id, -1);
    if (p) {
      this.holding = true;
      try {
        await p;
      } finally {
        this.holding = false;
      }
    }
    if (this.settings.action === 'delete') {
      await steps.cacheDelete(change.id, -1);
    } else if (change.deleted) {
      await steps.cacheDeleteVersioned(change.id, change.version, this.settings.tombstoneTtlMs, -1);
    } else {
      await steps.cacheSetVersioned(change.id, change.version, change.payload, -1);
    }
    steps.bump('cdcRowsApplied');
    const commitKey = `${change.id}:${change.version}`;
    const committedAt = this.commitTimes.get(commitKey);
    let lagMs: number;
    if (committedAt === undefined) {
      lagMs = Math.max(0, Date.now() - change.eventMs);
    } else {
      this.commitTimes.delete(commitKey);
      lagMs = (this.now() - committedAt) / 1e6;
    }
    // Rounded as lagCounters() rounds its window maxima, so no window's max exceeds the run's.
    steps.own.cdcLagLastMs = round(lagMs);
    steps.own.cdcLagMaxMs = Math.max(steps.own.cdcLagMaxMs ?? 0, round(lagMs));
    if (committedAt !== undefined) this.sampleLag(committedAt, lagMs);
  }

  private sampleLag(commitNs: number, lagMs: number): void {
    if (this.lagCount >= MAX_LAG_SAMPLES) return;
    if (this.lagCount === this.lagMs.length) {
      const grow = (old: Float64Array) => {
        const next = new Float64Array(old.length * 2);
        next.set(old);
        return next;
      };
      this.lagCommitNs = grow(this.lagCommitNs);
      this.lagMs = grow(this.lagMs);
    }
    this.lagCommitNs[this.lagCount] = commitNs;
    this.lagMs[this.lagCount] = lagMs;
    this.lagCount++;
  }

  /**
   * Forgets the lag measured so far (the measured load starts: warm-up writes do not count)
   * and the fault windows; commits noted before still resolve their lag exactly.
   */
  resetLag(): void {
    this.lagCount = 0;
    this.windows.length = 0;
    delete this.steps.own.cdcLagMaxMs;
    delete this.steps.own.cdcLagLastMs;
  }

  /** A fault of the run started or healed (run clock, ns): the lag of rows committed in between is reported apart. */
  noteFault(id: string, phase: 'start' | 'heal', atNs: number): void {
    if (phase === 'start') {
      this.windows.push({ id, startNs: atNs, endNs: undefined });
      return;
    }
    const window = this.windows.find((w) => w.id === id && w.endNs === undefined);
    if (window !== undefined) window.endNs = atNs;
  }

  /**
   * The exact lag (commit acknowledged → cache step, this process's writes) since
   * {@link resetLag}: median, p99 and max over every applied row, and the max over the rows
   * committed in each fault window (`cdcLagMaxMs@<fault id>`; 0 when none was). Gauges:
   * names with `Max` or a percentile, taken as they are.
   */
  lagCounters(): Record<string, number> {
    const counters: Record<string, number> = {};
    if (this.lagCount > 0) {
      const sorted = this.lagMs.slice(0, this.lagCount).sort();
      counters.cdcLagP50Ms = round(percentileNearestRank(sorted, 50));
      counters.cdcLagP99Ms = round(percentileNearestRank(sorted, 99));
      counters.cdcLagSamples = this.lagCount;
    }
    for (const window of this.windows) {
      let max = 0;
      const end = window.endNs ?? Number.POSITIVE_INFINITY;
      for (let i = 0; i < this.lagCount; i++) {
        const at = this.lagCommitNs[i] as number;
        if (at >= window.startNs && at <= end) max = Math.max(max, this.lagMs[i] as number);
      }
      counters[`cdcLagMaxMs@${window.id}`] = round(max);
    }
    return counters;
  }

  /**
   * Kills the invalidator as a crashed process would lose it: the binlog stream is dropped at
   * once, the queued events, the positions held in memory and any save not yet written are
   * gone, and the event in hand is abandoned after its current cache command (no position
   * saved for it). Only what the position file holds survives; {@link restart} resumes there.
   * The harness's own record of commit times (for the lag) is kept: it is the measurement,
   * not the invalidator's state.
   */
  async crash(): Promise<void> {
    if (this.crashed || this.stopped) return;
    this.crashed = true;
    this.generation++;
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    this.queue.length = 0;
    this.processed = undefined;
    this.committed = undefined;
    this.received = undefined;
    this.steps.bump('cdcCrashes');
    await this.disconnect();
  }

  /**
   * Starts a crashed invalidator again from its saved position (as a new process would),
   * retrying the connection for up to {@link RESTART_TIMEOUT_MS} (its link may be cut too).
   */
  async restart(): Promise<void> {
    if (!this.crashed || this.stopped) return;
    // The old worker stops at its next step; a command it has in flight ends within its timeout.
    const old = this.working;
    if (old !== undefined) await Promise.race([old.catch(() => undefined), sleep(2000)]);
    this.working = undefined;
    const deadline = performance.now() + RESTART_TIMEOUT_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        this.crashed = false;
        await this.start();
        this.steps.bump('cdcRestarts');
        return;
      } catch (error) {
        this.crashed = true;
        await this.disconnect();
        if (performance.now() > deadline || this.stopped) throw error;
        await sleep(Math.min(attempt * 100, MAX_BACKOFF_MS));
      }
    }
  }

  private scheduleSave(): void {
    if (this.saveTimer !== undefined || this.stopped || this.crashed) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      void this.save().catch(() => this.steps.bump('cdcPositionSaveFailures'));
    }, SAVE_EVERY_MS);
  }

  /**
   * Writes the committed position (atomically: a temporary file renamed over the old one),
   * one save at a time: a drain's save and a timer's must not share the temporary file.
   */
  private save(): Promise<void> {
    const next = this.saving.then(
      () => this.writePosition(),
      () => this.writePosition(),
    );
    this.saving = next.catch(() => undefined);
    return next;
  }

  private async writePosition(): Promise<void> {
    const position = this.committed;
    if (position === undefined) return;
    if (this.savedOnce && this.savedPos !== undefined && comparePositions(position, this.savedPos) === 0)
      return;
    const temporary = `${this.settings.positionFile}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify({ ...position, savedAt: new Date().toISOString() })}\n`);
    await rename(temporary, this.settings.positionFile);
    this.savedPos = position;
    this.savedOnce = true;
    this.steps.bump('cdcPositionSaves');
  }
}

/** The position a previous invalidator saved, or undefined when there is none (or it is unreadable). */
export async function readSavedPosition(file: string): Promise<BinlogPosition | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<BinlogPosition>;
    if (typeof parsed.file === 'string' && typeof parsed.pos === 'number')
      return { file: parsed.file, pos: parsed.pos };
  } catch {
    return undefined;
  }
  return undefined;
}

/** Nearest-rank percentile of ascending values (as checker/percentile.ts, which strategies/ may not import). */
function percentileNearestRank(sorted: Float64Array, p: number): number {
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? 0;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
