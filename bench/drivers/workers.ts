import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { OUTCOME_INFO, SOURCE_NONE } from '../../checker/types.ts';
import { ConfigurationError, messageOf, toError } from '../../kernel/index.ts';
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

/** One application process and what the parent knows of it. */
interface Worker {
  child: ChildProcess;
  open: Map<number, OpenOperation>;
  ready: Promise<void>;
  done: Promise<{ stats: StrategyStats; abandoned: number } | undefined>;
}

/**
 * `--workers N`: the application as N node processes (child_process.fork with the tsx loader),
 * each with its own strategy instance and connections, driving its share of the closed-loop
 * clients (client i goes to worker i mod N and draws the same seeded stream as in-process).
 * Every operation is reported to this process, which records the one history on one clock:
 * workers send CLOCK_MONOTONIC times (`process.hrtime`, shared by the machine's processes;
 * `performance.now()` has a per-process origin) and they are converted here. Latencies go into
 * this process's HDR histograms from those times, so they are the exact merge of the workers'.
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
    const workers: Worker[] = [];
    try {
      const clientsOf = (w: number) =>
        Array.from({ length: load.clients }, (_, id) => id).filter((id) => id % app.workers === w);
      for (let w = 0; w < app.workers; w++) workers.push(startWorker(input, clientsOf(w)));
      await settleOrThrow(
        Promise.all(workers.map((worker) => worker.ready)),
        READY_TIMEOUT_MS,
        `${app.workers} workers to connect`,
      );
      phases.onMeasure(() => {
        for (const worker of workers) post(worker.child, { type: 'measure' });
      });
      await phases.start();
      for (const worker of workers) post(worker.child, { type: 'stop' });
      const reports = await Promise.all(
        workers.map(async (worker) =>
          (await settleWithin(worker.done, DONE_TIMEOUT_MS)) ? worker.done : undefined,
        ),
      );
      const stats = sumStats(reports.map((report) => report?.stats));
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
      for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
    }
  },
};

/** Forks one worker and wires its reports into the run's recorder. */
function startWorker(input: DriverInput, clients: number[]): Worker {
  const { recorder, clock } = input;
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
  let report: { stats: StrategyStats; abandoned: number } | undefined;
  const onEvent = (event: OperationEvent): void => {
    if (event[0] === 'i') {
      const [, id, client, kind, key, at] = event;
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
    else if (message.type === 'ready') resolveReady();
    else if (message.type === 'done') report = { stats: message.stats, abandoned: message.abandoned };
    else rejectReady(new Error(`worker ${child.pid}: ${message.message}`));
  });
  const done = new Promise<{ stats: StrategyStats; abandoned: number } | undefined>((resolve) => {
    child.once('exit', (code, signal) => {
      rejectReady(new Error(`worker ${child.pid} exited (${signal ?? code}) before it was ready`));
      // Its operations still open may or may not have taken effect: unknown (info).
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
  return { child, open, ready, done };
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
