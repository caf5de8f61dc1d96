import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigurationError, formatTextTable } from '../../kernel/index.ts';
import type { Environment, ProcessControl } from '../../services/types.ts';
import { readCacheVersions } from '../../strategies/cache-codec.ts';
import { closeRedis, connectMysql, connectRedis } from '../../strategies/clients.ts';
import { readDbVersions } from '../../strategies/db-access.ts';
import { defaultStrategyContext } from '../../strategies/defaults.ts';
import { PauseController } from '../../strategies/pause-controller.ts';
import { controlStrategy, findStrategy } from '../../strategies/registry.ts';
import { createStepRecorder } from '../../strategies/step-recorder.ts';
import type { CacheStrategy, ReadResult, StepEvent } from '../../strategies/types.ts';
import { parseToolArgs, runIfMain, withLocalEnvironment } from '../cli/entry.ts';

const DEFAULT_OUT = 'reports/out/races.json';
/** opId of the read each scenario ends with, after everything settled. */
const FINAL_READ_OP = 1_000_000;

/** What one scenario's interleaving produced, before the final snapshot. */
interface Interleaving {
  /** Versions of the writes the strategy acknowledged, in acknowledgement order. */
  acked: number[];
}

/** What a scenario gets to play its interleaving. */
interface ScenarioTools {
  strategy: CacheStrategy;
  pause: PauseController;
  key: number;
  /** true when the strategy is the `db-only` control, which has no cache steps to hold at. */
  control: boolean;
  processes: ProcessControl;
}

/** A documented race: the article's walkthrough as a deterministic interleaving. */
interface RaceScenario {
  name: string;
  pattern: string;
  prediction: string;
  play(tools: ScenarioTools): Promise<Interleaving>;
}

/** One scenario run with one strategy (the pattern or the control). */
export interface RaceOutcome {
  scenario: string;
  strategy: string;
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
  anomaly: boolean;
  /** The outcome the article predicts happened: the anomaly for the pattern, none for the control. */
  reproduced: boolean;
  /** Every traced step of the scenario's key; `at` in nanoseconds from the first step. */
  steps: StepEvent[];
}

const text = (value: string): Uint8Array => new TextEncoder().encode(value);

/** The scenarios, in the article's order; write-behind crashes Redis, so it runs last. */
export const RACE_SCENARIOS: readonly RaceScenario[] = [
  {
    name: 'read refills between delete and update',
    pattern: 'delete-then-update',
    prediction: 'a read misses after the delete, reads the old row and sets it back: cache stays stale',
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
    pattern: 'cache-aside',
    prediction:
      'a read misses and reads v1, a write commits v2 and deletes, the read sets v1: cache stays stale',
    async play({ strategy, pause, key }) {
      const first = await strategy.write(key, text('v1'), 1);
      const hold = pause.holdNext('after-db-read', { key, opId: 2 });
      const reading = strategy.read(key, 2);
      await hold.reached;
      const second = await strategy.write(key, text('v2'), 3);
      hold.release();
      await reading;
      return { acked: [first.version, second.version] };
    },
  },
  {
    name: 'two writes reach MySQL and the cache in opposite orders',
    pattern: 'write-through',
    prediction: 'write A commits first, write B commits and sets the cache, then A sets its older version',
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
    name: 'Redis crashes before the flush',
    pattern: 'write-behind',
    prediction: 'three writes are acknowledged, Redis dies before the flusher runs: the writes are lost',
    async play({ strategy, pause, key, control, processes }) {
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
    },
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

async function runOne(
  env: Environment,
  processes: ProcessControl,
  scenario: RaceScenario,
  strategyName: string,
  key: number,
): Promise<RaceOutcome> {
  const entry = findStrategy(strategyName);
  if (entry === undefined) throw new Error(`race scenario needs strategy '${strategyName}'`);
  const control = entry.isControl;
  const pause = new PauseController();
  const recorder = createStepRecorder([key]);
  const strategy = await entry.factory(
    defaultStrategyContext(env.endpoints, { tracer: recorder, pause: pause.hook, flushIntervalMs: 20 }),
  );
  let acked: number[];
  let finalRead: ReadResult;
  try {
    ({ acked } = await scenario.play({ strategy, pause, key, control, processes }));
    finalRead = await settledRead(strategy, key);
  } finally {
    await strategy.close();
  }
  const direct = defaultStrategyContext(env.endpoints, { viaProxy: false });
  const redis = await connectRedis(direct);
  const pool = await connectMysql(direct);
  let cacheVersion: number;
  let dbVersion: number;
  try {
    [cacheVersion = 0] = await readCacheVersions(redis, [key]);
    [dbVersion = 0] = await readDbVersions(pool, [key]);
  } finally {
    await closeRedis(redis);
    await pool.end();
  }
  const staleCache = cacheVersion !== 0 && cacheVersion < dbVersion;
  const lostWrites = acked.filter((version) => version > dbVersion).length;
  const finalReadVersion = versionOf(finalRead);
  const anomaly = staleCache || lostWrites > 0 || finalReadVersion < dbVersion;
  const origin = recorder.events[0]?.at ?? 0;
  return {
    scenario: scenario.name,
    strategy: strategyName,
    prediction: control ? 'no anomaly (control)' : scenario.prediction,
    anomalyPredicted: !control,
    key,
    ackedVersions: acked,
    cacheVersion,
    dbVersion,
    finalReadVersion,
    staleCache,
    lostWrites,
    anomaly,
    reproduced: anomaly === !control,
    steps: recorder.events.map((event) => ({ ...event, at: event.at - origin })),
  };
}

/**
 * Runs every scenario with its pattern and with `db-only`, each on its own key, against
 * `env` (which must own its processes: the write-behind scenario crashes Redis).
 */
export async function runRaceScenarios(env: Environment): Promise<RaceOutcome[]> {
  const processes = env.processes;
  if (processes === undefined) {
    throw new ConfigurationError(
      'race scenarios crash Redis: they need an environment that owns its processes (local)',
    );
  }
  const outcomes: RaceOutcome[] = [];
  let key = 100;
  for (const scenario of RACE_SCENARIOS) {
    for (const strategyName of [scenario.pattern, controlStrategy().name]) {
      key++;
      outcomes.push(await runOne(env, processes, scenario, strategyName, key));
    }
  }
  return outcomes;
}

/** The outcomes as a fixed-width text table (returned, not printed). */
export function formatRaceTable(outcomes: readonly RaceOutcome[]): string {
  const header = [
    'scenario',
    'strategy',
    'article predicts',
    'cache v',
    'db v',
    'read v',
    'lost',
    'reproduced',
  ];
  const rows = outcomes.map((outcome) => [
    outcome.scenario,
    outcome.strategy,
    outcome.prediction,
    String(outcome.cacheVersion),
    String(outcome.dbVersion),
    String(outcome.finalReadVersion),
    String(outcome.lostWrites),
    outcome.reproduced ? 'yes' : 'NO',
  ]);
  return formatTextTable(header, rows);
}

const USAGE = `usage: npm run races -- [--out FILE]

Starts local Redis, MariaDB and Toxiproxy, plays each race the article describes as a
deterministic interleaving (pause points hold one operation at an exact step), once with
the pattern and once with db-only as the control, and prints what happened.
  --out FILE   where to write the JSON (default ${DEFAULT_OUT})
  --help       this text
Columns: cache v / db v = versions left in Redis and MySQL (0 = none), read v = what a read
after everything settled returned, lost = acknowledged writes MySQL does not have.
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
