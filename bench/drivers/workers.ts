import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { OUTCOME_INFO, SOURCE_NONE } from '../../checker/types.ts';
import { ConfigurationError, messageOf, toError } from '../../kernel/index.ts';
import type { AppCrash, AppProcessControl } from '../../services/types.ts';
import type { StrategyStats } from '../../strategies/types.ts';
import { STOP_GRACE_MS, settleWithin } from './phases.ts';
import {
  type DriverInput,
  type DriverOutcome,
  driverOutcome,
  failedOutcome,
  type LoadDriver,
} from './types.ts';
import type { FromWorker, OperationEvent, ToWorker } from './worker-protocol.ts';

/** Error kind of the operations a worker had in flight when its process died. */
export const WORKER_DIED = 'worker-died';
const WORKER_ENTRY = fileURLToPath(new URL('./worker-process.ts', import.meta.url));
const TSX_LOADER = import.meta.resolve('tsx');
/** Longest a worker may take to connect its strategy, and to drain and report after the stop. */
const READY_TIMEOUT_MS = 30_000;
const DONE_TIMEOUT_MS = STOP_GRACE_MS + 35_000;

/** An operation a worker reported invoked and not yet completed. */
interface OpenOperation {
  row: number;
  kind: number;
  key: number;
  invokeNs: number;
  latestAtInvoke: number;
}

type WorkerReport = { stats: StrategyStats; abandoned: number } | undefined;

/** One application process and what the parent knows of it. */
interface Worker {
  child: ChildProcess;
  open: Map<number, OpenOperation>;
  ready: Promise<void>;
  /** Resolves at exit, with the worker's report when it sent one. */
  done: Promise<WorkerReport>;
  /** Resolves when the worker reports its first operation. */
  firstInvoke: Promise<void>;
  /** Milliseconds from the fork to `ready`, once ready. */
  startMs: number | undefined;
}

/**
 * `--workers N`: the application as N node processes (child_process.fork with the tsx loader),
 * each with its own strategy instance and connections, driving its share of the closed-loop
 * clients (client i goes to worker i mod N and draws the same seeded stream as in-process).
 * Every operation is reported to this process, which records the one history on one clock:
 * workers send CLOCK_MONOTONIC times (`process.hrtime`, shared by the machine's processes;
 * `performance.now()` has a per-process origin) and they are converted here. Latencies go into
 * this process's HDR histograms from those times, so they are the exact merge of the workers'.
 * With an app-crash in the plan, a standby process is kept connected and idle: a killed
 * worker's slot is taken over by it (the faults reach the workers through `attachApplication`).
 */
export const workersDriver: LoadDriver = {
  name: 'workers',
  summary: 'the application as --workers N processes, each with its own strategy and connections',
  validate(load) {
    if (load.kind !== 'closed') {
      throw new ConfigurationError(
        '--workers: runs the closed-loop model only; use --clients N instead of --rate',
      );
    }
  },
  async run(input): Promise<DriverOutcome> {
    const { application: app, load, phases } = input;
    if (app === undefined || load.kind !== 'closed') {
      return failedOutcome(
        new Error('the workers driver needs the application spec and a closed loop'),
        phases,
      );
    }
    const fleet = new WorkerFleet(input, app.workers, load.clients, app.standby === true);
    try {
      await fleet.start();
      input.attachApplication?.(fleet);
      phases.onMeasure(() => fleet.broadcast({ type: 'measure' }));
      await phases.start();
      const reports = await fleet.stop();
      const stats = sumStats(reports.map((report) => report?.stats));
      stats.counters = { ...stats.counters, ...fleet.counters() };
      return driverOutcome(
        {
          measuredMs: phases.measuredMs,
          stopReason: phases.stopReason,
          droppedOps: 0,
          abandonedOps: reports.reduce((sum, report) => sum + (report?.abandoned ?? 0), 0),
        },
        undefined,
        stats,
      );
    } catch (error) {
      return failedOutcome(toError(error), phases);
    } finally {
      fleet.killAll();
    }
  },
};

/** How long app-crash waits for its worker to hold an operation in flight before it kills it anyway. */
const IN_FLIGHT_WAIT_MS = 2000;
/** Longest a replacement may take to report its first operation. */
const FIRST_OPERATION_TIMEOUT_MS = 10_000;

/**
 * The worker processes of one run, by slot (slot w drives the clients i with i mod N = w), plus
 * the standby; the {@link AppProcessControl} app-crash acts on.
 */
class WorkerFleet implements AppProcessControl {
  private readonly slots: Worker[] = [];
  /** Every process started, killed ones included: each is waited for and killed at the end. */
  private readonly all: Worker[] = [];
  private standby: Worker | undefined;
  private readonly crashed = new Set<number>();
  /** Operations each client has issued so far (warm-up included): where a replacement resumes its stream. */
  private readonly issued = new Map<number, number>();
  private stopping = false;
  /** The replacement in progress, which the next one waits for. */
  private replacing: Promise<void> = Promise.resolve();
  private readonly count = {
    appCrashes: 0,
    appCrashOpsInFlight: 0,
    appReplacements: 0,
    appReplacementsSpawned: 0,
    appReplacementMsMax: 0,
    workerStartMsMax: 0,
  };

  constructor(
    private readonly input: DriverInput,
    private readonly workers: number,
    private readonly clients: number,
    private readonly keepStandby: boolean,
  ) {}

  /** Forks the N workers (and the standby) and waits until every one is connected. */
  async start(): Promise<void> {
    for (let w = 0; w < this.workers; w++) this.slots.push(this.fork(this.clientsOf(w)));
    if (this.keepStandby) this.standby = this.fork([]);
    const starting = [...this.all];
    await settleOrThrow(
      Promise.all(starting.map((worker) => worker.ready)),
      READY_TIMEOUT_MS,
      `${starting.length} workers to connect`,
    );
  }

  broadcast(message: ToWorker): void {
    for (const worker of this.all) post(worker.child, message);
  }

  /** Tells every live worker to stop and waits (bounded) for their reports. */
  async stop(): Promise<WorkerReport[]> {
    this.stopping = true;
    this.crashed.clear();
    this.broadcast({ type: 'stop' });
    return Promise.all(
      this.all.map(async (worker) =>
        (await settleWithin(worker.done, DONE_TIMEOUT_MS)) ? worker.done : undefined,
      ),
    );
  }

  killAll(): void {
    this.stopping = true;
    for (const worker of this.all) if (!hasExited(worker.child)) worker.child.kill('SIGKILL');
  }

  async crashWorker(slot: number): Promise<AppCrash> {
    const worker = this.slots[slot];
    if (worker === undefined || this.crashed.has(slot) || hasExited(worker.child)) {
      throw new Error(`application worker ${slot} is not running`);
    }
    const deadline = performance.now() + IN_FLIGHT_WAIT_MS;
    while (worker.open.size === 0 && performance.now() < deadline && !this.stopping) {
      await new Promise((resolveWait) => setTimeout(resolveWait, 1));
    }
    const pid = worker.child.pid ?? -1;
    const inFlight = worker.open.size;
    this.crashed.add(slot);
    worker.child.kill('SIGKILL');
    await worker.done;
    this.count.appCrashes++;
    this.count.appCrashOpsInFlight += inFlight;
    return { slot, pid, inFlight };
  }

  replaceCrashed(): Promise<void> {
    // One replacement at a time: two heals that overlap must not both fill the same slot.
    const next = this.replacing.then(() => this.replaceEachCrashed());
    this.replacing = next.catch(() => undefined);
    return next;
  }

  private async replaceEachCrashed(): Promise<void> {
    for (const slot of [...this.crashed]) {
      if (this.stopping) return;
      const healStart = performance.now();
      let replacement = this.standby;
      this.standby = undefined;
      if (replacement === undefined || hasExited(replacement.child)) {
        replacement = this.fork([]);
        this.count.appReplacementsSpawned++;
      }
      // The load may stop while the replacement connects: a stopped application needs none.
      const what = `the replacement of worker ${slot}`;
      if (!(await this.unlessStopped(replacement.ready, READY_TIMEOUT_MS, `${what} to connect`))) return;
      const clients = this.clientsOf(slot);
      post(replacement.child, {
        type: 'adopt',
        clients,
        skips: clients.map((client) => this.issued.get(client) ?? 0),
      });
      this.slots[slot] = replacement;
      this.crashed.delete(slot);
      if (this.keepStandby) this.standby = this.fork([]);
      if (clients.length > 0) {
        if (
          !(await this.unlessStopped(replacement.firstInvoke, FIRST_OPERATION_TIMEOUT_MS, `${what} to serve`))
        )
          return;
      }
      this.count.appReplacements++;
      this.count.appReplacementMsMax = Math.max(
        this.count.appReplacementMsMax,
        Math.round(performance.now() - healStart),
      );
    }
  }

  crashedSlots(): number[] {
    return this.stopping ? [] : [...this.crashed];
  }

  workerPids(): Record<string, number | undefined> {
    const pids: Record<string, number | undefined> = {};
    this.slots.forEach((worker, slot) => {
      pids[`worker ${slot}`] = hasExited(worker.child) ? undefined : worker.child.pid;
    });
    if (this.standby !== undefined) pids['worker standby'] = this.standby.child.pid;
    return pids;
  }

  /** The fleet's own counters: app crashes, their operations in flight, replacements and how long they took. */
  counters(): Record<string, number> {
    for (const worker of this.all) {
      this.count.workerStartMsMax = Math.max(this.count.workerStartMsMax, worker.startMs ?? 0);
    }
    return this.count.appCrashes === 0
      ? { workerStartMsMax: this.count.workerStartMsMax }
      : { ...this.count };
  }

  /** Waits for `work` (bounded); false when the load stopped meanwhile, whatever became of it. */
  private async unlessStopped(work: Promise<void>, ms: number, what: string): Promise<boolean> {
    try {
      await settleOrThrow(work, ms, what);
    } catch (error) {
      if (this.stopping) return false;
      throw error;
    }
    return !this.stopping;
  }

  private clientsOf(slot: number): number[] {
    return Array.from({ length: this.clients }, (_, id) => id).filter((id) => id % this.workers === slot);
  }

  private fork(clients: number[]): Worker {
    const worker = startWorker(this.input, clients, (client) =>
      this.issued.set(client, (this.issued.get(client) ?? 0) + 1),
    );
    this.all.push(worker);
    return worker;
  }
}

/** Forks one worker and wires its reports into the run's recorder; `onIssued` hears of every operation it invokes. */
function startWorker(input: DriverInput, clients: number[], onIssued: (client: number) => void): Worker {
  const { recorder, clock } = input;
  const forkedAt = performance.now();
  const child = fork(WORKER_ENTRY, [], {
    execArgv: ['--import', TSX_LOADER],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  // performance.now() + offset = CLOCK_MONOTONIC in ms (both are monotonic; the offset is this process's origin).
  const offsetMs = Number(process.hrtime.bigint()) / 1e6 - performance.now();
  const toRunClock = (monotonicNs: number): number => clock.toClockNs(monotonicNs / 1e6 - offsetMs);
  const open = new Map<number, OpenOperation>();
  let resolveReady: () => void = () => undefined;
  let rejectReady: (error: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  // A standby that is never used is never awaited: its rejection at exit is not unhandled.
  ready.catch(() => undefined);
  let resolveFirstInvoke: () => void = () => undefined;
  const firstInvoke = new Promise<void>((resolve) => {
    resolveFirstInvoke = resolve;
  });
  const worker: Worker = {
    child,
    open,
    ready,
    done: Promise.resolve(undefined),
    firstInvoke,
    startMs: undefined,
  };
  let report: WorkerReport;
  const onEvent = (event: OperationEvent): void => {
    if (event[0] === 'i') {
      const [, id, client, kind, key, at] = event;
      onIssued(client);
      resolveFirstInvoke();
      const invokeNs = toRunClock(at);
      // Invoked during warm-up (before the clock's origin): not recorded, like in-process.
      if (invokeNs < 0) return;
      const row = recorder.invoke(client, kind, key, invokeNs);
      if (row >= 0) open.set(id, { row, kind, key, invokeNs, latestAtInvoke: recorder.latestOkVersion(key) });
      return;
    }
    const [, id, at, outcome, version, source, errorKind] = event;
    const op = open.get(id);
    if (op === undefined) return;
    open.delete(id);
    recorder.complete(
      op.row,
      op.kind,
      op.key,
      op.invokeNs,
      op.latestAtInvoke,
      outcome,
      version,
      source,
      errorKind === '' ? undefined : errorKind,
      toRunClock(at),
    );
  };
  child.on('message', (message: FromWorker) => {
    if (message.type === 'ops') for (const event of message.events) onEvent(event);
    else if (message.type === 'ready') {
      worker.startMs = Math.round(performance.now() - forkedAt);
      resolveReady();
    } else if (message.type === 'done') report = { stats: message.stats, abandoned: message.abandoned };
    else rejectReady(new Error(`worker ${child.pid}: ${message.message}`));
  });
  worker.done = new Promise<WorkerReport>((resolve) => {
    child.once('exit', (code, signal) => {
      rejectReady(new Error(`worker ${child.pid} exited (${signal ?? code}) before it was ready`));
      // Its operations still open may or may not have taken effect: unknown (info), from their invoke on.
      const now = recorder.now();
      for (const op of open.values()) {
        recorder.complete(
          op.row,
          op.kind,
          op.key,
          op.invokeNs,
          op.latestAtInvoke,
          OUTCOME_INFO,
          -1,
          SOURCE_NONE,
          WORKER_DIED,
          now,
        );
      }
      open.clear();
      resolve(report);
    });
  });
  post(child, {
    type: 'start',
    app: input.application as NonNullable<DriverInput['application']>,
    clients,
    workload: input.workload,
    seed: input.seed,
    payload: Buffer.from(input.payload).toString('base64'),
  });
  return worker;
}

/** True once the process ended, by an exit or a signal (`exitCode` stays null after a SIGKILL). */
function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function post(child: ChildProcess, message: ToWorker): void {
  if (child.connected) child.send(message, (error) => error && undefined);
}

async function settleOrThrow(work: Promise<unknown>, ms: number, what: string): Promise<void> {
  let failure: unknown;
  const finished = await settleWithin(
    work.catch((error: unknown) => {
      failure = error;
    }),
    ms,
  );
  if (failure !== undefined) throw new Error(messageOf(failure));
  if (!finished) throw new Error(`timed out after ${ms}ms waiting for ${what}`);
}

function sumStats(all: ReadonlyArray<StrategyStats | undefined>): StrategyStats {
  const sum: StrategyStats = { dbQueries: 0, redisCommands: 0, counters: {} };
  const counters: Record<string, number> = {};
  for (const stats of all) {
    if (stats === undefined) continue;
    sum.dbQueries += stats.dbQueries;
    sum.redisCommands += stats.redisCommands;
    for (const [name, value] of Object.entries(stats.counters ?? {})) {
      counters[name] = /Max/.test(name)
        ? Math.max(counters[name] ?? 0, value)
        : (counters[name] ?? 0) + value;
    }
  }
  return { ...sum, counters };
}
