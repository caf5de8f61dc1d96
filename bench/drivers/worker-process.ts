/**
 * One application process of the workers driver (started by workers.ts with child_process.fork):
 * builds its own strategy with its own connections, drives its share of the closed-loop clients
 * and reports every operation to the parent, which records the one history.
 */
import {
  OP_READ,
  OUTCOME_INFO,
  OUTCOME_OK,
  SOURCE_CACHE,
  SOURCE_DB,
  SOURCE_NONE,
  VERSION_ABSENT,
} from '../../checker/types.ts';
import { messageOf } from '../../kernel/index.ts';
import { defaultStrategyContext } from '../../strategies/defaults.ts';
import { findStrategy } from '../../strategies/registry.ts';
import type { CacheStrategy, StrategyContext, StrategyStats } from '../../strategies/types.ts';
import { errorKindOf } from '../history/error-kind.ts';
import { createOperationStream } from '../workload/workload.ts';
import { STOP_GRACE_MS, settleWithin, yieldToEventLoop } from './phases.ts';
import type { FromWorker, OperationEvent, ToWorker } from './worker-protocol.ts';

const YIELD_EVERY = 1024;
const DRAIN_TIMEOUT_MS = 30_000;

const hrNow = (): number => Number(process.hrtime.bigint());

let strategy: CacheStrategy | undefined;
let context: StrategyContext | undefined;
let statsAtMeasure: StrategyStats | undefined;
let stopping = false;
let inFlight = 0;
let nextId = 0;
let loops: Promise<void> | undefined;
/** Starts driving one client (set once the strategy is built); `adopt` uses it for a killed worker's clients. */
let drive: ((id: number, skip: number) => Promise<void>) | undefined;
let pending: OperationEvent[] = [];
let flushScheduled = false;

function send(message: FromWorker): void {
  process.send?.(message);
}

/** Sends the events gathered so far (at once before a write: its invoke must reach the parent before its effect). */
function flush(): void {
  flushScheduled = false;
  if (pending.length === 0) return;
  send({ type: 'ops', events: pending });
  pending = [];
}

function emit(event: OperationEvent): void {
  pending.push(event);
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flush);
  }
}

async function start(message: Extract<ToWorker, { type: 'start' }>): Promise<void> {
  const { app } = message;
  const entry = findStrategy(app.strategy);
  if (entry === undefined) throw new Error(`unknown strategy '${app.strategy}'`);
  context = defaultStrategyContext(app.endpoints, {
    viaProxy: app.viaProxy,
    ...(app.readFrom === undefined ? {} : { readFrom: app.readFrom }),
    ttlSeconds: app.ttlSeconds,
    flushIntervalMs: app.flushIntervalMs,
    flushBatchSize: app.flushBatchSize,
    strategyOptions: app.strategyOptions,
    ...(app.errorPolicy === undefined ? {} : { errorPolicy: app.errorPolicy }),
  });
  const built = await entry.factory(context);
  strategy = built;
  await built.start?.();
  const payload = Buffer.from(message.payload, 'base64');
  const { workload, seed } = message;
  // Client `id` draws stream (seed, id); a replacement skips what the killed process already issued.
  const driveClient = (id: number, skip: number): Promise<void> => {
    const stream = createOperationStream(workload, seed, id);
    for (let i = 0; i < skip; i++) stream.next();
    return runClient(built, payload, id, stream);
  };
  drive = driveClient;
  send({ type: 'ready', pid: process.pid });
  loops = Promise.all(message.clients.map((id) => driveClient(id, 0))).then(() => undefined);
}

async function runClient(
  built: CacheStrategy,
  payload: Uint8Array,
  id: number,
  stream: ReturnType<typeof createOperationStream>,
): Promise<void> {
  let sinceYield = 0;
  while (!stopping) {
    stream.next();
    const failed = await execute(built, payload, id, stream.kind, stream.key);
    if (failed || ++sinceYield === YIELD_EVERY) {
      sinceYield = 0;
      await yieldToEventLoop();
    }
  }
}

/** A standby takes over a killed worker's clients: its counters count from here, as it did nothing before. */
function adopt(message: Extract<ToWorker, { type: 'adopt' }>): void {
  if (drive === undefined || stopping) return;
  statsAtMeasure = strategy?.stats();
  const start = drive;
  const adopted = message.clients.map((id, i) => start(id, message.skips[i] ?? 0));
  const before = loops ?? Promise.resolve();
  loops = Promise.all([before, ...adopted]).then(() => undefined);
}

async function execute(
  built: CacheStrategy,
  payload: Uint8Array,
  client: number,
  kind: number,
  key: number,
): Promise<boolean> {
  const id = nextId++;
  emit(['i', id, client, kind, key, hrNow()]);
  if (kind !== OP_READ) flush();
  inFlight++;
  try {
    if (kind === OP_READ) {
      const result = await built.read(key);
      const version = result.found ? result.version : VERSION_ABSENT;
      emit(['c', id, hrNow(), OUTCOME_OK, version, result.source === 'cache' ? SOURCE_CACHE : SOURCE_DB, '']);
    } else {
      const result = await built.write(key, payload);
      emit(['c', id, hrNow(), OUTCOME_OK, result.version, SOURCE_NONE, '']);
    }
    return false;
  } catch (error) {
    emit(['c', id, hrNow(), OUTCOME_INFO, -1, SOURCE_NONE, errorKindOf(error)]);
    return true;
  } finally {
    inFlight--;
  }
}

async function stop(): Promise<void> {
  stopping = true;
  if (loops !== undefined) await settleWithin(loops, STOP_GRACE_MS);
  const abandoned = inFlight;
  flush();
  if (strategy?.drain)
    await settleWithin(
      strategy.drain().catch(() => undefined),
      DRAIN_TIMEOUT_MS,
    );
  await context?.invalidationRetrier?.drain(DRAIN_TIMEOUT_MS);
  const end = strategy?.stats() ?? { dbQueries: 0, redisCommands: 0 };
  await strategy?.close().catch(() => undefined);
  // Disconnecting only once the last message is written, so the parent sees it.
  process.send?.(
    { type: 'done', stats: statsSince(statsAtMeasure ?? end, end), abandoned } satisfies FromWorker,
    () => process.disconnect?.(),
  );
}

function statsSince(start: StrategyStats, end: StrategyStats): StrategyStats {
  const counters: Record<string, number> = {};
  for (const [name, value] of Object.entries(end.counters ?? {})) {
    counters[name] = /Max/.test(name) ? value : value - (start.counters?.[name] ?? 0);
  }
  return {
    dbQueries: end.dbQueries - start.dbQueries,
    redisCommands: end.redisCommands - start.redisCommands,
    counters,
  };
}

process.on('message', (message: ToWorker) => {
  const fail = (error: unknown) => send({ type: 'error', message: messageOf(error) });
  if (message.type === 'start') start(message).catch(fail);
  else if (message.type === 'measure') statsAtMeasure = strategy?.stats();
  else if (message.type === 'adopt') adopt(message);
  else stop().catch(fail);
});
// The parent is gone (or closed the channel): an application process never outlives its harness.
process.on('disconnect', () => process.exit(0));
