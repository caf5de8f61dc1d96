import { randomInt } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { ConfigurationError, EXIT_INTERRUPTED, EXIT_OK, messageOf } from '../../kernel/index.ts';
import { planName } from '../../reports/scope.ts';
import {
  formatSweepTable,
  renderSweepReport,
  SWEEP_SCHEMA_VERSION,
  type SweepResult,
  sweepFigures,
} from '../../reports/sweep.ts';
import type { Environment } from '../../services/types.ts';
import { findStrategy, strategyNames } from '../../strategies/registry.ts';
import { checkStrategyOptions } from '../../strategies/strategy-options.ts';
import type { StrategyEntry } from '../../strategies/types.ts';
import { runIfMain } from '../cli/entry.ts';
import { withFaultPlan } from '../cli/fault-plan.ts';
import { type BenchOptions, parseBenchArgs } from '../cli/options.ts';
import { checkOutDir } from '../cli/out-dir.ts';
import { DEFAULT_OUT_ROOT, runOnce, startRunEnvironment } from '../cli/session.ts';
import { writeRun } from '../cli/write-run.ts';
import { openDirect } from '../run/direct.ts';
import { runId } from '../run/result.ts';

/**
 * `npm run bench:sweep`: one strategy on one seed and plan, one setting varied over a list of
 * values (a strategy option, or a workload setting such as the TTL), each value run once per
 * round, the order of the values reversed every other round so a shared machine's drift
 * falls on all of them. Writes <out>/<setting>=<value>/run-<round>/result.json (and its
 * report), sweep.json and a self-contained sweep.html, and prints the table of medians.
 * Every other option is `npm run bench`'s, checked the same way before anything starts.
 */
export const SWEEP_USAGE = `usage: npm run bench:sweep -- --strategy <name> --vary <setting>=<v1>,<v2>,… [--runs N] [any npm run bench option]
  <setting>: an option of the strategy (see npm run bench -- --list), or a workload setting: ${'ttl, keys, clients, rate, readRatio, zipfConstant'}
  --runs N: rounds (default 1); the order of the values alternates between rounds
  --out DIR: the sweep's directory (default reports/out/<time>-sweep-<strategy>-<setting>-s<seed>)
  e.g. npm run bench:sweep -- --strategy delayed-double-delete --vary delayMs=0,10,50,200 --duration 10s`;

/** Workload and load settings `--vary` accepts, and the bench option each one is. */
export const WORKLOAD_SETTINGS: Readonly<Record<string, string>> = {
  ttl: '--ttl',
  keys: '--keys',
  clients: '--clients',
  rate: '--rate',
  readRatio: '--read-ratio',
  zipfConstant: '--zipf-constant',
};

/** Most values and rounds a sweep takes. */
const MAX_VALUES = 50;
const MAX_ROUNDS = 20;

/** A checked sweep: the setting, and per value the bench options it runs with. */
export interface SweepPlan {
  entry: StrategyEntry;
  vary: string;
  varyKind: SweepResult['varyKind'];
  values: string[];
  rounds: number;
  /** In the order of `values`. */
  options: BenchOptions[];
  outDir: string;
  commandLine: string[];
}

/** Takes `--name value` or `--name=value` out of argv: the values found and the rest. */
function takeOption(argv: readonly string[], name: string): { found: string[]; rest: string[] } {
  const found: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === `--${name}`) {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) {
        throw new ConfigurationError(`--${name}: expected a value after the option`);
      }
      found.push(value);
      i++;
    } else if (arg.startsWith(`--${name}=`)) {
      found.push(arg.slice(name.length + 3));
    } else {
      rest.push(arg);
    }
  }
  return { found, rest };
}

/**
 * Parses and checks a sweep's arguments before any service starts: `--vary` (one setting the
 * strategy or the workload has, at least two distinct values, each one the bench accepts),
 * `--runs`, and every other option as `npm run bench` parses it. Every problem is one
 * ConfigurationError naming the option.
 */
export async function parseSweepArgs(
  argv: readonly string[],
  randomSeed: () => number = () => randomInt(1, 2 ** 31),
): Promise<SweepPlan> {
  const vary = takeOption(argv, 'vary');
  const runs = takeOption(vary.rest, 'runs');
  const rest = runs.rest;
  if (vary.found.length !== 1) {
    throw new ConfigurationError(
      `--vary: expected exactly one, like --vary delayMs=0,10,50,200, got ${vary.found.length}`,
    );
  }
  const text = vary.found[0] as string;
  const match = /^([A-Za-z][A-Za-z0-9]*)=(.+)$/.exec(text);
  if (match === null) {
    throw new ConfigurationError(
      `--vary: expected setting=value,value,… (e.g. delayMs=0,10,50,200), got '${text}'`,
    );
  }
  const setting = match[1] as string;
  const values = (match[2] as string).split(',').map((v) => v.trim());
  if (values.some((v) => v === '') || new Set(values).size !== values.length || values.length < 2) {
    throw new ConfigurationError(
      `--vary ${setting}: expected at least two distinct, non-empty values separated by commas, got '${match[2]}'`,
    );
  }
  if (values.length > MAX_VALUES) {
    throw new ConfigurationError(`--vary ${setting}: at most ${MAX_VALUES} values, got ${values.length}`);
  }
  if (runs.found.length > 1) throw new ConfigurationError('--runs: give it once');
  const roundsText = runs.found[0] ?? '1';
  const rounds = /^\d+$/.test(roundsText) ? Number(roundsText) : Number.NaN;
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > MAX_ROUNDS) {
    throw new ConfigurationError(`--runs: expected an integer from 1 to ${MAX_ROUNDS}, got '${roundsText}'`);
  }

  // The options without the varied setting: the strategy, the seed, the plan.
  const base = parseBenchArgs(rest, strategyNames, randomSeed);
  if (base.kind !== 'run')
    throw new ConfigurationError('--help, --list and --list-faults: see npm run bench');
  if (base.options.matrix) {
    throw new ConfigurationError('--strategy: a sweep runs one strategy; name it (all is for npm run bench)');
  }
  if (base.options.grid === true) throw new ConfigurationError('--grid: not for a sweep; use npm run bench');
  const entry = findStrategy(base.options.strategies[0] as string) as StrategyEntry;
  const known = (entry.options ?? []).map((o) => o.name);
  const flag = WORKLOAD_SETTINGS[setting];
  const isOption = known.includes(setting);
  if (!isOption && flag === undefined) {
    throw new ConfigurationError(
      `--vary ${setting}: not an option of ${entry.name} (${known.length === 0 ? 'it has none' : known.join(', ')}) nor a workload setting (${Object.keys(WORKLOAD_SETTINGS).join(', ')})`,
    );
  }
  if (isOption && base.options.strategyOptions?.[setting] !== undefined) {
    throw new ConfigurationError(
      `--vary ${setting}: also given as --strategy-option ${setting}; give it once`,
    );
  }
  if (flag !== undefined && rest.some((arg) => arg === flag || arg.startsWith(`${flag}=`))) {
    throw new ConfigurationError(`--vary ${setting}: also given as ${flag}; give it once`);
  }
  const seed = String(base.options.seed);
  const options: BenchOptions[] = [];
  for (const value of values) {
    const extra = isOption ? ['--strategy-option', `${setting}=${value}`] : [flag as string, value];
    let parsed: ReturnType<typeof parseBenchArgs>;
    try {
      // The same seed for every value (a random one is drawn once).
      parsed = parseBenchArgs([...rest, '--seed', seed, ...extra], strategyNames, randomSeed);
      if (parsed.kind !== 'run') throw new Error('unreachable');
      checkStrategyOptions([entry], parsed.options.strategyOptions ?? {});
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      throw new ConfigurationError(
        `--vary ${setting}=${value}: ${error.message.replace(/^--[a-z-]+(?: [A-Za-z]+)?: /, '')}`,
      );
    }
    const withPlan = await withFaultPlan({
      ...parsed.options,
      commandLine: ['npm', 'run', 'bench:sweep', '--', ...argv],
    });
    options.push({ ...withPlan, outDir: undefined });
  }
  const outDir =
    base.options.outDir ??
    join(DEFAULT_OUT_ROOT, runId(new Date(), `sweep-${entry.name}-${setting}`, base.options.seed));
  await checkOutDir(outDir);
  return {
    entry,
    vary: setting,
    varyKind: isOption ? 'strategy-option' : 'workload',
    values,
    rounds,
    options,
    outDir,
    commandLine: ['npm', 'run', 'bench:sweep', '--', ...argv],
  };
}

/** The order of the values in round `round` (from 0): as given, reversed every other round. */
export function roundOrder(count: number, round: number): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  return round % 2 === 1 ? order.reverse() : order;
}

/** A value as a directory name. */
function dirName(setting: string, value: string): string {
  return `${setting}=${value}`.replace(/[^A-Za-z0-9=._-]/g, '_');
}

/** Runs the sweep on `env`; writes each run as it ends and sweep.json/sweep.html after each round. */
export async function runSweep(
  plan: SweepPlan,
  env: Environment,
  output: { stdout: NodeJS.WritableStream; stderr: NodeJS.WriteStream },
  signal?: AbortSignal,
): Promise<SweepResult> {
  const first = plan.options[0] as BenchOptions;
  const w = first.workload;
  const sweep: SweepResult = {
    schemaVersion: SWEEP_SCHEMA_VERSION,
    createdAt: new Date().toISOString(),
    strategy: plan.entry.name,
    vary: plan.vary,
    varyKind: plan.varyKind,
    values: plan.values,
    seed: first.seed,
    plan: planName(first.faultSpecs ?? []),
    workload:
      plan.varyKind === 'workload'
        ? `${w.name}, ${plan.vary} varied`
        : `${w.name} (${Math.round(w.readRatio * 100)}% reads, ${w.distribution}, ${w.keys} keys, TTL ${first.ttlSeconds}s)`,
    durationMs: first.durationMs,
    runs: plan.rounds,
    commandLine: plan.commandLine,
    interrupted: false,
    points: plan.values.map((value) => ({ value, runs: [] })),
  };
  await mkdir(plan.outDir, { recursive: true });
  const direct = await openDirect(env.endpoints);
  const total = plan.rounds * plan.values.length;
  let position = 0;
  try {
    for (let round = 0; round < plan.rounds; round++) {
      for (const index of roundOrder(plan.values.length, round)) {
        if (signal?.aborted) break;
        const value = plan.values[index] as string;
        const options = plan.options[index] as BenchOptions;
        output.stderr.write(`[sweep] ${plan.vary}=${value} (round ${round + 1}/${plan.rounds})\n`);
        const run = await runOnce(
          plan.entry,
          options,
          env,
          direct,
          output,
          signal,
          { index: ++position, total },
          `${plan.entry.name} ${plan.vary}=${value}`,
        );
        const dir = join(plan.outDir, dirName(plan.vary, value), `run-${round + 1}`);
        const file = await writeRun(dir, run, options.keepHistory);
        const figures = sweepFigures(run.result);
        sweep.points[index]?.runs.push({
          round: round + 1,
          file: relative(plan.outDir, file),
          interrupted: run.result.run.interrupted,
          figures,
        });
        output.stderr.write(
          `[sweep] ${plan.vary}=${value}: goodput ${figures.goodput.toFixed(0)} · stale ${run.result.consistency.staleReads} · keys stale ${figures.divergentKeys} · MySQL ${figures.dbQueriesPerOp?.toFixed(2) ?? '–'}/op · Redis ${figures.redisCommandsPerOp?.toFixed(2) ?? '–'}/op\n`,
        );
      }
      await writeSweep(plan.outDir, { ...sweep, interrupted: signal?.aborted === true });
      if (signal?.aborted) break;
    }
  } finally {
    await direct.close();
  }
  sweep.interrupted = signal?.aborted === true;
  await writeSweep(plan.outDir, sweep);
  return sweep;
}

/** Writes sweep.json and sweep.html into `dir`. */
async function writeSweep(dir: string, sweep: SweepResult): Promise<void> {
  await writeFile(join(dir, 'sweep.json'), `${JSON.stringify(sweep, null, 2)}\n`);
  await writeFile(join(dir, 'sweep.html'), renderSweepReport(sweep));
}

export async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${SWEEP_USAGE}\n`);
    return EXIT_OK;
  }
  const plan = await parseSweepArgs(argv);
  const first = plan.options[0] as BenchOptions;
  const abort = new AbortController();
  let environment: Environment | undefined;
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write('\nstopping the sweep; writing what ran (Ctrl-C again to quit now)\n');
      abort.abort();
      return;
    }
    void (environment?.stop() ?? Promise.resolve()).finally(() => process.exit(EXIT_INTERRUPTED));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    environment = await startRunEnvironment(first, (message) =>
      process.stderr.write(`cacheproof sweep: warning: ${message}\n`),
    );
    const sweep = await runSweep(plan, environment, process, abort.signal);
    process.stdout.write(formatSweepTable(sweep));
    process.stdout.write(`sweep        ${join(plan.outDir, 'sweep.html')}\n`);
    return sweep.interrupted ? EXIT_INTERRUPTED : EXIT_OK;
  } catch (error) {
    process.stderr.write(`cacheproof sweep failed: ${messageOf(error)}\n`);
    return 1;
  } finally {
    await environment?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

runIfMain(import.meta.url, 'cacheproof sweep', () => main(process.argv.slice(2)));
