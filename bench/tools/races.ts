import { fork } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Toxiproxy } from 'toxiproxy-node-client';
import { invalidatorPartitionFault } from '../../chaos/faults/invalidator-partition.ts';
import { faultContext } from '../../chaos/residual.ts';
import { proxyName, setProxyEnabled } from '../../chaos/toxiproxy.ts';
import { ConfigurationError, formatTextTable } from '../../kernel/index.ts';
import { startLocalEnvironment } from '../../services/local.ts';
import type { Environment, ProcessControl } from '../../services/types.ts';
import { cacheKey } from '../../strategies/cache-codec.ts';
import { closeRedis, connectMysql, connectRedis } from '../../strategies/clients.ts';
import { readDbVersions } from '../../strategies/db-access.ts';
import { defaultStrategyContext } from '../../strategies/defaults.ts';
import { PauseController } from '../../strategies/pause-controller.ts';
import { cacheViewOf, controlStrategy, findStrategy } from '../../strategies/registry.ts';
import { createStepRecorder } from '../../strategies/step-recorder.ts';
import type {
  CacheStrategy,
  ErrorPolicy,
  PausePoint,
  ReadResult,
  StepEvent,
} from '../../strategies/types.ts';
import { parseToolArgs, runIfMain, withLocalEnvironment } from '../cli/entry.ts';
import type { CrashWriterOrder, CrashWriterReport } from './crash-writer.ts';

const DEFAULT_OUT = 'reports/out/races.json';
/** opId of the read each scenario ends with, after everything settled. */
const FINAL_READ_OP = 1_000_000;

/** What one scenario's interleaving produced, before the final snapshot. */
interface Interleaving {
  /** Versions of the writes the strategy acknowledged, in acknowledgement order. */
  acked: number[];
  /** Reads during the interleaving that returned a version older than a write acknowledged before them. */
  staleReads?: number;
}

/** Options a strategy runs with in one row of the table (StrategyContext.strategyOptions). */
type RunOptions = Readonly<Record<string, string | number | boolean>>;

/** One strategy a scenario is played against, and what is expected of it. */
interface RaceRun {
  strategy: string;
  options?: RunOptions;
  /** true: the scenario shows an anomaly with this strategy; false: the strategy closes it. */
  anomalyPredicted: boolean;
  prediction: string;
  /**
   * The race's order needs the write's invalidation to have happened before the scenario goes
   * on; for cdc-invalidate that is the invalidator applying the binlog event (a drain).
   */
  invalidationIsBackground?: boolean;
  /** The application's error policy in this row (unset: fail on every error). */
  errorPolicy?: ErrorPolicy;
  /** Where an app-crash scenario kills the writer's process (default `after-db-write`). */
  crashAt?: PausePoint;
  /** In a `redisAof` scenario, Redis's `appendfsync` for this row (CONFIG SET; default always). */
  appendfsync?: 'everysec';
  /**
   * The anomaly is a window that closes by itself: reproduced only when, after the scenario
   * (faults healed, background work drained), the cache and a final read hold MySQL's version.
   */
  healsAfter?: boolean;
}

/** What a scenario gets to play its interleaving. */
interface ScenarioTools {
  strategy: CacheStrategy;
  pause: PauseController;
  key: number;
  /** true when the strategy is the `db-only` control, which has no cache steps to hold at. */
  control: boolean;
  processes: ProcessControl;
  /** Waits until the last write's invalidation happened (a background one: drained), else returns at once. */
  invalidated(): Promise<void>;
  /** Removes the key's cache entry behind the strategy's back, as its expiry or an eviction would. */
  expireEntry(): Promise<void>;
  /** The options of this run (a scenario may size its waits by them). */
  options: RunOptions;
  /**
   * Cuts the CDC invalidator's own Redis link (`invalidator-partition`, link redis, mode
   * disable: its proxy refuses connections) and returns the heal; the application's links stay up.
   */
  cutInvalidatorRedis(): Promise<() => Promise<void>>;
  /**
   * Writes `payload` to the key from an application process of its own (same strategy, options
   * and error policy), holds that write at the row's `crashAt` point and SIGKILLs the process
   * there; resolves once it is gone.
   */
  killWriter(payload: string, opId: number): Promise<void>;
  /**
   * Writes `payload` from an application process of its own (once it is connected, after
   * `beforeWrite`), lets the write be acknowledged
   * (whatever its error policy queued stays in that process) and SIGKILLs it; resolves with the
   * acknowledged version once the process is gone.
   */
  killWriterAfterAck(payload: string, opId: number, beforeWrite?: () => Promise<void>): Promise<number>;
  /** Disables (false) or enables (true) the Toxiproxy proxy of the Redis link. */
  redisLink(enabled: boolean): Promise<void>;
}

/**
 * A documented race: the article's walkthrough (or a fix's known weak spot) as a deterministic
 * interleaving, played against each of `runs` and against the `db-only` control.
 */
interface RaceScenario {
  name: string;
  runs: readonly RaceRun[];
  /** The play calls `strategy.start()` itself (write-behind holds its flusher first). */
  startsItself?: boolean;
  /** Played against a Redis with an AOF (a second local environment, `--redis-aof always`). */
  redisAof?: 'always';
  play(tools: ScenarioTools): Promise<Interleaving>;
}

/** One scenario run with one strategy (the pattern or the control). */
export interface RaceOutcome {
  scenario: string;
  strategy: string;
  /** The strategy options of this run, as `name=value` joined with commas ('' = defaults). */
  options: string;
  /** The error policy of this run, as `onCacheError/onInvalidationError` ('' = fail on every error). */
  errorPolicy: string;
  /** Redis's AOF in this run: `always`, `everysec`, or '' (no persistence). */
  redisAof: string;
  prediction: string;
  /** Whether the prediction is an anomaly (pattern) or none (control). */
  anomalyPredicted: boolean;
  key: number;
  ackedVersions: number[];
  /** Cache version after the scenario (0 = no entry). */
  cacheVersion: number;
  /** MySQL version after the scenario (0 = no row). */
  dbVersion: number;
  /** Version a read issued after everything settled returned (0 = absent). */
  finalReadVersion: number;
  /** Cache older than MySQL: a stale entry that stays until it expires. */
  staleCache: boolean;
  /** Acknowledged writes whose version MySQL's final row is below. */
  lostWrites: number;
  /** Reads during the interleaving that returned an older version than an acknowledged write. */
  staleReads: number;
  anomaly: boolean;
  /** The predicted outcome happened: the anomaly where one is predicted, none otherwise. */
  reproduced: boolean;
  /** Every traced step of the scenario's key; `at` in nanoseconds from the first step. */
  steps: StepEvent[];
}

const text = (value: string): Uint8Array => new TextEncoder().encode(value);

const sleep = (ms: number) => new Promise<void>((resolveSleep) => setTimeout(resolveSleep, ms));

/** 1 when `read` returned an older version than `newestAcked` (acknowledged before it was issued). */
function staleAgainst(read: ReadResult, newestAcked: number): number {
  return versionOf(read) < newestAcked ? 1 : 0;
}

/** A row that must show the anomaly. */
const shows = (strategy: string, prediction: string, options?: RunOptions): RaceRun => ({
  strategy,
  anomalyPredicted: true,
  prediction,
  ...(options === undefined ? {} : { options }),
});
/** A row the strategy must close. */
const closes = (strategy: string, prediction: string, options?: RunOptions): RaceRun => ({
  strategy,
  anomalyPredicted: false,
  prediction,
  ...(options === undefined ? {} : { options }),
});

/**
 * Three writes acknowledged while write-behind's flusher is held before it reads the queue, then
 * Redis killed and restarted (empty, or from its AOF), then the flusher released.
 */
async function redisRestartsBeforeFlush({
  strategy,
  pause,
  key,
  control,
  processes,
}: ScenarioTools): Promise<Interleaving> {
  // The flusher is held before it reads the queue, so the crash surely precedes the flush.
  const hold = control ? undefined : pause.holdNext('before-flush');
  await strategy.start?.();
  if (hold !== undefined) await hold.reached;
  const acked: number[] = [];
  for (let i = 1; i <= 3; i++) acked.push((await strategy.write(key, text(`v${i}`), i)).version);
  await processes.crashRedis();
  await processes.restartRedis();
  hold?.release();
  await strategy.drain?.();
  return { acked };
}

/**
 * The scenarios: the article's races, each replayed against the fixes that claim to close
 * it, then each fix's own weak spot. write-behind crashes Redis, so it runs last.
 */
export const RACE_SCENARIOS: readonly RaceScenario[] = [
  {
    name: 'read refills between delete and update',
    runs: [
      shows(
        'delete-then-update',
        'a read misses after the delete, reads the old row and sets it back: cache stays stale',
      ),
      closes('delayed-double-delete', 'the same refill happens, and the second delete removes it'),
    ],
    async play({ strategy, pause, key, control }) {
      const first = await strategy.write(key, text('v1'), 1);
      // The writer stops after deleting the entry (the control: before its MySQL update).
      const hold = pause.holdNext(control ? 'before-db-write' : 'after-cache-delete', { key, opId: 2 });
      const writing = strategy.write(key, text('v2'), 2);
      await hold.reached;
      await strategy.read(key, 3);
      hold.release();
      const second = await writing;
      return { acked: [first.version, second.version] };
    },
  },
  {
    name: 'slow read sets the old value after write + delete',
    runs: [
      shows(
        'cache-aside',
        'a read misses and reads v1, a write commits v2 and deletes, the read sets v1: cache stays stale',
      ),
      shows('cache-aside', 'single-flight merges fills, it does not order them: still stale', {
        singleFlight: true,
      }),
      closes(
        'delayed-double-delete',
        'the late v1 fill lands within the delay; the second delete removes it',
      ),
      closes('versioned-set', 'the write left tombstone v2: the compare-and-set refuses the v1 fill'),
      closes('lease', "the write's delete cleared the lease: the v1 fill holds a dead token and is refused"),
      closes('tag-as-deleted', 'the write cleared the lock owner: the v1 refill is refused'),
      {
        ...closes(
          'cdc-invalidate',
          'the invalidator set v2 from the binlog: the v1 fill is older and refused',
        ),
        invalidationIsBackground: true,
      },
      {
        ...shows(
          'cdc-invalidate',
          'the invalidator deleted before the v1 fill landed: stale as cache-aside',
          {
            cdcAction: 'delete',
          },
        ),
        invalidationIsBackground: true,
      },
    ],
    async play({ strategy, pause, key, invalidated, expireEntry }) {
      const first = await strategy.write(key, text('v1'), 1);
      await invalidated();
      // The read must miss (cdc-invalidate's versioned set may have stored v1): the entry expired.
      await expireEntry();
      const hold = pause.holdNext('after-db-read', { key, opId: 2 });
      const reading = strategy.read(key, 2);
      await hold.reached;
      const second = await strategy.write(key, text('v2'), 3);
      await invalidated();
      hold.release();
      await reading;
      return { acked: [first.version, second.version] };
    },
  },
  {
    name: 'two writes reach MySQL and the cache in opposite orders',
    runs: [
      shows(
        'write-through',
        'write A commits first, write B commits and sets the cache, then A sets its older version',
      ),
    ],
    async play({ strategy, pause, key, control }) {
      const first = await strategy.write(key, text('v1'), 1);
      const hold = pause.holdNext(control ? 'after-db-write' : 'before-cache-set', { key, opId: 2 });
      const writingA = strategy.write(key, text('A'), 2);
      await hold.reached;
      const writeB = await strategy.write(key, text('B'), 3);
      hold.release();
      const writeA = await writingA;
      return { acked: [first.version, writeA.version, writeB.version] };
    },
  },
  {
    name: 'fill slower than the second delete',
    runs: [
      shows(
        'delayed-double-delete',
        'the read holds v1 past the delay: both deletes are done when it sets v1, stale',
        { delayMs: 100 },
      ),
    ],
    async play({ strategy, pause, key }) {
      const first = await strategy.write(key, text('v1'), 1);
      await strategy.drain?.();
      const hold = pause.holdNext('after-db-read', { key, opId: 2 });
      const reading = strategy.read(key, 2);
      await hold.reached;
      const second = await strategy.write(key, text('v2'), 3);
      // The second delete (scheduled in this process) runs before the fill goes on.
      await strategy.drain?.();
      hold.release();
      await reading;
      return { acked: [first.version, second.version] };
    },
  },
  {
    name: 'fill slower than the guard lives',
    runs: [
      shows('versioned-set', 'the tombstone expired before the v1 fill: nothing refuses it, stale', {
        tombstoneTtlMs: 150,
      }),
      closes('lease', 'the lease expired too, but a fill needs a live token: refused', { leaseTtlMs: 150 }),
      closes('tag-as-deleted', 'the lock expired, but the write removed the owner: refused', {
        lockExpireMs: 150,
      }),
    ],
    async play({ strategy, pause, key, options }) {
      const first = await strategy.write(key, text('v1'), 1);
      const hold = pause.holdNext('after-db-read', { key, opId: 2 });
      const reading = strategy.read(key, 2);
      await hold.reached;
      const second = await strategy.write(key, text('v2'), 3);
      const guardMs = Number(options.tombstoneTtlMs ?? options.leaseTtlMs ?? options.lockExpireMs ?? 0);
      // Redis expires keys by itself (PX): three lifetimes are well past it, also on a busy machine.
      await sleep(guardMs * 3);
      hold.release();
      await reading;
      return { acked: [first.version, second.version] };
    },
  },
  {
    name: 'writer dies between the MySQL commit and the invalidation',
    runs: [
      shows('cache-aside', 'MySQL has v2, nobody deletes v1: the cache stays stale'),
      shows('versioned-set', 'no delete, no tombstone: v1 stays, no version check ever runs'),
      shows('lease', 'no delete: v1 stays'),
      closes('cdc-invalidate', 'the binlog has the commit: the invalidator sets v2 although the writer died'),
    ],
    async play({ strategy, pause, key }) {
      const first = await strategy.write(key, text('v1'), 1);
      await strategy.drain?.();
      await strategy.read(key, 2);
      const hold = pause.holdNext('after-db-write', { key, opId: 3 });
      const writing = strategy.write(key, text('v2'), 3);
      await hold.reached;
      hold.abort(new Error('writer process died after its MySQL commit'));
      await writing.then(
        () => {
          throw new Error('the aborted write was acknowledged');
        },
        () => undefined,
      );
      return { acked: [first.version] };
    },
  },
  {
    name: 'read right after the write marks the entry deleted (rockscache #12)',
    runs: [
      shows(
        'tag-as-deleted',
        'weak mode: the read returns the old v1 while it refills v2 in the background',
        {
          consistency: 'weak',
        },
      ),
      closes('tag-as-deleted', 'strong mode: the read refills from MySQL first and returns v2', {
        consistency: 'strong',
      }),
    ],
    async play({ strategy, key }) {
      const first = await strategy.write(key, text('v1'), 1);
      await strategy.read(key, 2);
      const second = await strategy.write(key, text('v2'), 3);
      const seen = await strategy.read(key, 4);
      return { acked: [first.version, second.version], staleReads: staleAgainst(seen, second.version) };
    },
  },
  {
    name: 'read before the invalidator applies the write (CDC lag)',
    runs: [
      shows(
        'cdc-invalidate',
        'the write is acknowledged, the binlog event not yet applied: the read sees v1',
      ),
    ],
    async play({ strategy, pause, key, control }) {
      const first = await strategy.write(key, text('v1'), 1);
      await strategy.drain?.();
      await strategy.read(key, 2);
      const hold = control ? undefined : pause.holdNext('before-invalidate', { key });
      const second = await strategy.write(key, text('v2'), 3);
      await hold?.reached;
      const seen = await strategy.read(key, 4);
      hold?.release();
      return { acked: [first.version, second.version], staleReads: staleAgainst(seen, second.version) };
    },
  },
  {
    name: 'invalidator cut off from Redis while a read fills the old value',
    runs: [
      {
        ...shows(
          'cdc-invalidate',
          'the v2 event arrives but cannot be applied: the v1 fill lands and reads see v1 until the heal; then the invalidator sets v2',
        ),
        healsAfter: true,
      },
      {
        ...shows(
          'cdc-invalidate',
          'the delete waits for the link: v1 is served until the heal; then the invalidator deletes it and a read refills v2',
          { cdcAction: 'delete' },
        ),
        healsAfter: true,
      },
    ],
    async play({ strategy, pause, key, control, expireEntry, cutInvalidatorRedis }) {
      const first = await strategy.write(key, text('v1'), 1);
      await strategy.drain?.();
      // The read must miss (the invalidator's versioned set stored v1): the entry expired.
      await expireEntry();
      const heal = await cutInvalidatorRedis();
      try {
        const hold = control ? undefined : pause.holdNext('after-db-read', { key, opId: 2 });
        const reading = strategy.read(key, 2);
        await hold?.reached;
        const second = await strategy.write(key, text('v2'), 3);
        hold?.release();
        await reading;
        const seen = await strategy.read(key, 4);
        return { acked: [first.version, second.version], staleReads: staleAgainst(seen, second.version) };
      } finally {
        await heal();
      }
    },
  },
  {
    name: 'app process killed between the MySQL commit and the cache step',
    runs: [
      shows(
        'cache-aside',
        'the writer process dies after its commit of v2, before its DEL: v1 stays until TTL',
      ),
      {
        ...shows(
          'cache-aside',
          'retry policy: the DEL never ran, so nothing was queued (and the queue lives in the killed process): v1 stays',
        ),
        errorPolicy: { onCacheError: 'fail', onInvalidationError: 'retry' },
      },
      {
        ...closes(
          'delete-then-update',
          'its cache step comes first: killed after the DEL, before the UPDATE, MySQL keeps v1 and the next read fills v1',
        ),
        crashAt: 'after-cache-delete',
      },
      {
        ...shows(
          'write-through',
          'killed after the commit of v2, before its SET: the cached v1 stays until TTL',
        ),
        crashAt: 'before-cache-set',
      },
    ],
    async play({ strategy, key, killWriter }) {
      const first = await strategy.write(key, text('v1'), 1);
      await strategy.drain?.();
      // The entry is cached at v1 before the writer process commits v2 and is killed.
      await strategy.read(key, 2);
      await killWriter('v2', 3);
      return { acked: [first.version] };
    },
  },
  {
    name: 'app process killed with a failed DEL in its retry queue',
    runs: [
      {
        ...shows(
          'cache-aside',
          'Redis unreachable: the DEL fails and is queued in the writer process, which acknowledges v2 and is killed before any retry: v1 stays',
        ),
        errorPolicy: { onCacheError: 'fail', onInvalidationError: 'retry' },
      },
    ],
    async play({ strategy, key, killWriterAfterAck, redisLink }) {
      const first = await strategy.write(key, text('v1'), 1);
      await strategy.read(key, 2);
      let second: number;
      try {
        // The writer connects first, then loses Redis: its DEL fails and goes to its retry queue.
        second = await killWriterAfterAck('v2', 3, () => redisLink(false));
      } finally {
        await redisLink(true);
      }
      return { acked: [first.version, second] };
    },
  },
  {
    name: 'Redis crashes before the flush',
    runs: [
      shows(
        'write-behind',
        'three writes are acknowledged, Redis dies before the flusher runs: the writes are lost',
      ),
    ],
    startsItself: true,
    play: redisRestartsBeforeFlush,
  },
  {
    name: 'Redis restarts from its AOF with a stale entry',
    runs: [
      shows(
        'cache-aside',
        'the writer process dies after its commit of v2: Redis, killed and restarted from its AOF, brings the stale v1 back',
      ),
    ],
    redisAof: 'always',
    async play({ strategy, key, killWriter, processes }) {
      const first = await strategy.write(key, text('v1'), 1);
      await strategy.read(key, 2);
      await killWriter('v2', 3);
      await processes.crashRedis();
      await processes.restartRedis();
      return { acked: [first.version] };
    },
  },
  {
    name: 'Redis restarts from its AOF before the flush',
    runs: [
      closes(
        'write-behind',
        'appendfsync always: every acknowledged write is in the AOF, the queue comes back: nothing lost',
      ),
      {
        ...closes(
          'write-behind',
          'appendfsync everysec: a SIGKILL keeps what Redis wrote to the file (the kernel still has it): nothing lost; only a machine crash loses the last second',
        ),
        appendfsync: 'everysec',
      },
    ],
    redisAof: 'always',
    startsItself: true,
    play: redisRestartsBeforeFlush,
  },
];

/** The version a read returned, 0 for absent. */
function versionOf(read: ReadResult): number {
  return read.found ? read.version : 0;
}

/** After a Redis restart a new connection may need a moment; the pattern's own client reconnects by itself. */
async function settledRead(strategy: CacheStrategy, key: number): Promise<ReadResult> {
  const deadline = performance.now() + 5000;
  for (;;) {
    try {
      return await strategy.read(key, FINAL_READ_OP);
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await new Promise((resolvePause) => setTimeout(resolvePause, 50));
    }
  }
}

const CRASH_WRITER = fileURLToPath(new URL('./crash-writer.ts', import.meta.url));
const TSX_LOADER = import.meta.resolve('tsx');
/** Longest a crash writer may take to start, connect and reach its pause point. */
const CRASH_WRITER_TIMEOUT_MS = 60_000;

/**
 * Forks a crash writer, waits until its write is held at `order.point` (or acknowledged, without
 * a point), SIGKILLs it and waits for its exit; resolves with the acknowledged version (0 when held).
 */
async function killCrashWriter(order: CrashWriterOrder, beforeWrite?: () => Promise<void>): Promise<number> {
  const child = fork(CRASH_WRITER, [], {
    execArgv: ['--import', TSX_LOADER],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  const where = order.point === undefined ? 'its acknowledgement' : `'${order.point}'`;
  try {
    return await new Promise<number>((resolveReport, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`the crash writer did not reach ${where} within ${CRASH_WRITER_TIMEOUT_MS} ms`)),
        CRASH_WRITER_TIMEOUT_MS,
      );
      child.on('message', (report: CrashWriterReport) => {
        if (report.type === 'ready') {
          const go = beforeWrite?.() ?? Promise.resolve();
          go.then(
            () => child.send({ type: 'go' }),
            (error: unknown) => reject(error),
          );
          return;
        }
        clearTimeout(timer);
        if (report.type === 'paused') resolveReport(0);
        else if (report.type === 'acked') resolveReport(report.version);
        else reject(new Error(`crash writer: ${report.message}`));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the crash writer exited (${signal ?? code}) before ${where}`));
      });
      child.send(order);
    });
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

function optionsLabel(options: RunOptions | undefined): string {
  return Object.entries(options ?? {})
    .map(([name, value]) => `${name}=${value}`)
    .join(',');
}

async function runOne(
  env: Environment,
  processes: ProcessControl,
  scenario: RaceScenario,
  run: RaceRun,
  key: number,
): Promise<RaceOutcome> {
  const entry = findStrategy(run.strategy);
  if (entry === undefined) throw new Error(`race scenario needs strategy '${run.strategy}'`);
  const control = entry.isControl;
  const options = run.options ?? {};
  const pause = new PauseController();
  const recorder = createStepRecorder([key]);
  const strategy = await entry.factory(
    defaultStrategyContext(env.endpoints, {
      tracer: recorder,
      pause: pause.hook,
      flushIntervalMs: 20,
      strategyOptions: options,
      ...(run.errorPolicy === undefined ? {} : { errorPolicy: run.errorPolicy }),
    }),
  );
  const writerOrder = (payload: string, opId: number): CrashWriterOrder => ({
    endpoints: env.endpoints,
    strategy: run.strategy,
    strategyOptions: options,
    ...(run.errorPolicy === undefined ? {} : { errorPolicy: run.errorPolicy }),
    key,
    payload,
    opId,
  });
  const killWriter = async (payload: string, opId: number) => {
    await killCrashWriter({ ...writerOrder(payload, opId), point: run.crashAt ?? 'after-db-write' });
  };
  const killWriterAfterAck = (payload: string, opId: number, beforeWrite?: () => Promise<void>) =>
    killCrashWriter(writerOrder(payload, opId), beforeWrite);
  const toxiproxy = new Toxiproxy(env.endpoints.toxiproxy.url);
  const redisLink = (enabled: boolean) => setProxyEnabled(toxiproxy, proxyName(env, 'redis'), enabled);
  const direct = defaultStrategyContext(env.endpoints, { viaProxy: false });
  const expireEntry = async () => {
    const redis = await connectRedis(direct);
    try {
      await redis.del(cacheKey(key));
    } finally {
      await closeRedis(redis);
    }
  };
  const cutInvalidatorRedis = async () => {
    const ctx = faultContext(env);
    const fault = invalidatorPartitionFault.create(
      'invalidator',
      { link: 'redis', mode: 'disable' },
      `race-${key}`,
    );
    await fault.start(ctx);
    return () => fault.heal(ctx);
  };
  let interleaving: Interleaving;
  let finalRead: ReadResult;
  try {
    if (scenario.startsItself !== true) await strategy.start?.();
    const invalidated = async () => {
      if (run.invalidationIsBackground === true) await strategy.drain?.();
    };
    interleaving = await scenario.play({
      strategy,
      pause,
      key,
      control,
      processes,
      invalidated,
      expireEntry,
      options,
      killWriter,
      killWriterAfterAck,
      redisLink,
      cutInvalidatorRedis,
    });
    // Background work (a second delete, a refill, the invalidator) finishes before the snapshot.
    await strategy.drain?.();
    finalRead = await settledRead(strategy, key);
  } finally {
    await strategy.close();
  }
  const { acked } = interleaving;
  const redis = await connectRedis(direct);
  const pool = await connectMysql(direct);
  let cacheVersion: number;
  let dbVersion: number;
  try {
    [cacheVersion = 0] = await cacheViewOf(entry, options)(redis, [key]);
    [dbVersion = 0] = await readDbVersions(pool, [key]);
  } finally {
    await closeRedis(redis);
    await pool.end();
  }
  const staleCache = cacheVersion !== 0 && cacheVersion < dbVersion;
  const lostWrites = acked.filter((version) => version > dbVersion).length;
  const staleReads = interleaving.staleReads ?? 0;
  const finalReadVersion = versionOf(finalRead);
  const anomaly = staleCache || lostWrites > 0 || staleReads > 0 || finalReadVersion < dbVersion;
  const origin = recorder.events[0]?.at ?? 0;
  return {
    scenario: scenario.name,
    strategy: run.strategy,
    options: optionsLabel(run.options),
    errorPolicy:
      run.errorPolicy === undefined
        ? ''
        : `${run.errorPolicy.onCacheError}/${run.errorPolicy.onInvalidationError}`,
    redisAof: scenario.redisAof === undefined ? '' : (run.appendfsync ?? scenario.redisAof),
    prediction: run.prediction,
    anomalyPredicted: run.anomalyPredicted,
    key,
    ackedVersions: acked,
    cacheVersion,
    dbVersion,
    finalReadVersion,
    staleCache,
    lostWrites,
    staleReads,
    anomaly,
    reproduced:
      anomaly === run.anomalyPredicted &&
      (run.healsAfter !== true || (!staleCache && finalReadVersion === dbVersion && cacheVersion !== 0)),
    steps: recorder.events.map((event) => ({ ...event, at: event.at - origin })),
  };
}

/**
 * Runs every scenario with each of its strategies and with `db-only`, each on its own key, against
 * `env` (which must own its processes: the write-behind scenario crashes Redis).
 */
export async function runRaceScenarios(env: Environment): Promise<RaceOutcome[]> {
  if (env.processes === undefined) {
    throw new ConfigurationError(
      'race scenarios crash Redis: they need an environment that owns its processes (local)',
    );
  }
  const outcomes: RaceOutcome[] = [];
  let key = 100;
  const control: RaceRun = {
    strategy: controlStrategy().name,
    anomalyPredicted: false,
    prediction: 'no anomaly (control)',
  };
  // The AOF scenarios need a Redis started with an AOF: a second environment, started when needed.
  let aofEnv: Environment | undefined;
  try {
    for (const scenario of RACE_SCENARIOS) {
      if (scenario.redisAof !== undefined)
        aofEnv ??= await startLocalEnvironment({ redisPersistence: scenario.redisAof });
      const target = scenario.redisAof === undefined ? env : aofEnv;
      const processes = target?.processes;
      if (target === undefined || processes === undefined) throw new Error('no environment for the scenario');
      for (const run of [...scenario.runs, control]) {
        key++;
        await setAppendFsync(target, run.appendfsync ?? 'always', scenario.redisAof !== undefined);
        try {
          outcomes.push(await runOne(target, processes, scenario, run, key));
        } finally {
          await setAppendFsync(target, 'always', run.appendfsync !== undefined);
        }
      }
    }
  } finally {
    await aofEnv?.stop();
  }
  return outcomes;
}

/** CONFIG SET appendfsync on the environment's Redis (when `apply`). */
async function setAppendFsync(env: Environment, mode: 'always' | 'everysec', apply: boolean): Promise<void> {
  if (!apply) return;
  const redis = await connectRedis(defaultStrategyContext(env.endpoints, { viaProxy: false }));
  try {
    await redis.config('SET', 'appendfsync', mode);
  } finally {
    await closeRedis(redis);
  }
}

/** The strategy with its options and error policy, e.g. `cache-aside (policy fail/retry)`. */
function rowLabel(outcome: RaceOutcome): string {
  const parts = [
    outcome.options,
    outcome.errorPolicy === '' ? '' : `policy ${outcome.errorPolicy}`,
    outcome.redisAof === '' ? '' : `aof ${outcome.redisAof}`,
  ];
  const settings = parts.filter((part) => part !== '').join(', ');
  return settings === '' ? outcome.strategy : `${outcome.strategy} (${settings})`;
}

/** The outcomes as a fixed-width text table (returned, not printed). */
export function formatRaceTable(outcomes: readonly RaceOutcome[]): string {
  const header = [
    'scenario',
    'strategy',
    'expected',
    'prediction',
    'cache v',
    'db v',
    'read v',
    'lost',
    'stale reads',
    'reproduced',
  ];
  const rows = outcomes.map((outcome) => [
    outcome.scenario,
    rowLabel(outcome),
    outcome.anomalyPredicted ? 'anomaly' : 'none',
    outcome.prediction,
    String(outcome.cacheVersion),
    String(outcome.dbVersion),
    String(outcome.finalReadVersion),
    String(outcome.lostWrites),
    String(outcome.staleReads),
    outcome.reproduced ? 'yes' : 'NO',
  ]);
  return formatTextTable(header, rows);
}

const USAGE = `usage: npm run races -- [--out FILE]

Starts local Redis, MariaDB and Toxiproxy, plays each race the article describes, and each
fix's known weak spot, as a deterministic interleaving (pause points hold one operation at
an exact step), against the patterns it concerns (expected: anomaly, or none when the
pattern closes it) and against db-only as the control, and prints what happened. The
app-crash scenarios SIGKILL a writer process of their own at its pause point; the AOF
scenarios run in a second local environment whose Redis has an AOF (appendfsync always, or
everysec by CONFIG SET).
  --out FILE   where to write the JSON (default ${DEFAULT_OUT})
  --help       this text
Columns: cache v / db v = versions left in Redis and MySQL (0 = none), read v = what a read
after everything settled returned, lost = acknowledged writes MySQL does not have,
stale reads = reads during the interleaving older than a write acknowledged before them.
Exit code 0 when every outcome matches the prediction, 1 otherwise, 2 for bad arguments.`;

function parseRaceArgs(argv: readonly string[]): { out: string } | 'help' {
  const values = parseToolArgs(argv, { out: { type: 'string', default: DEFAULT_OUT } });
  if (values === 'help') return values;
  const out = values.out ?? DEFAULT_OUT;
  if (out.trim() === '') throw new ConfigurationError('--out: expected a file name');
  return { out };
}

async function main(): Promise<number> {
  const args = parseRaceArgs(process.argv.slice(2));
  if (args === 'help') {
    console.log(USAGE);
    return 0;
  }
  return withLocalEnvironment('races', async (env) => {
    const outcomes = await runRaceScenarios(env);
    console.log(formatRaceTable(outcomes));
    const out = resolve(args.out);
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify({ generatedAt: new Date().toISOString(), outcomes }, null, 2)}\n`);
    console.log(`\nwrote ${out}`);
    const missed = outcomes.filter((outcome) => !outcome.reproduced);
    if (missed.length > 0) {
      console.error(`races: ${missed.length} outcome(s) did not match the prediction`);
      return 1;
    }
    return 0;
  });
}

runIfMain(import.meta.url, 'races', main);
