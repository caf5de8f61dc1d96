import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { describePresets } from '../../chaos/index.ts';
import {
  ConfigurationError,
  EXIT_BAD_CONFIGURATION,
  EXIT_HARNESS_FAILED,
  EXIT_INTERRUPTED,
  EXIT_OK,
  EXIT_THRESHOLD_CROSSED,
} from '../../kernel/index.ts';
import { evaluateThresholds } from '../../reports/thresholds.ts';
import { findServiceBinaries, PROJECT_ROOT } from '../../services/binaries.ts';
import type { Environment } from '../../services/types.ts';
import { findStrategy, strategyEntries, strategyNames } from '../../strategies/registry.ts';
import { checkStrategyOptions } from '../../strategies/strategy-options.ts';
import type { StrategyEntry } from '../../strategies/types.ts';
import { withConfigFile } from './config-file.ts';
import { withFaultPlan, withGridPlans } from './fault-plan.ts';
import { finalLine } from './final-line.ts';
import { helpText, listText } from './help.ts';
import { npmSwallowedHint } from './npm-hint.ts';
import { type BenchOptions, OPTION_NAMES, OPTION_SPEC, parseBenchArgs } from './options.ts';
import { checkOutDir } from './out-dir.ts';
import { watchParent } from './parent-watch.ts';
import {
  DEFAULT_OUT_ROOT,
  runBenchSession,
  runGridSession,
  type SessionOutput,
  startRunEnvironment,
} from './session.ts';
import { versionText } from './version.ts';

/** What an npm script that runs this file says (`npm run bench`, or a project's `cacheproof bench`). */
const BENCH_SCRIPT = /bench\/cli\/bench\.ts|cacheproof(\.js)?\s+bench\b/;

/**
 * `npm run bench`: validates the arguments before any service starts, starts the
 * environment, runs the session, and always stops the environment. The first Ctrl-C
 * (SIGINT/SIGTERM), or the exit of the process that started the harness, stops the load and
 * still checks and writes what ran; a second one quits at once, after stopping the services.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const hint = npmSwallowedHint('cacheproof bench', BENCH_SCRIPT, OPTION_NAMES);
  if (hint !== undefined) {
    process.stderr.write(`${hint}\n`);
    return EXIT_BAD_CONFIGURATION;
  }
  let command: ReturnType<typeof parseBenchArgs>;
  try {
    command = parseBenchArgs(withConfigFile(argv, OPTION_SPEC), strategyNames, () => randomInt(1, 2 ** 31));
  } catch (error) {
    return reportFailure(error);
  }
  if (command.kind === 'version') {
    process.stdout.write(versionText());
    return EXIT_OK;
  }
  if (command.kind === 'help') {
    process.stdout.write(helpText());
    return EXIT_OK;
  }
  if (command.kind === 'list') {
    process.stdout.write(listText(strategyEntries));
    return EXIT_OK;
  }
  if (command.kind === 'list-faults') {
    process.stdout.write(`${describePresets()}\n`);
    return EXIT_OK;
  }
  let options: BenchOptions;
  let gridPlans: Awaited<ReturnType<typeof withGridPlans>> | undefined;
  try {
    if (command.options.grid === true) gridPlans = await withGridPlans(command.options);
    options = await withFaultPlan(
      gridPlans === undefined ? command.options : { ...command.options, faultSpecs: [] },
    );
    await checkOutDir(options.outDir ?? DEFAULT_OUT_ROOT);
  } catch (error) {
    return reportFailure(error);
  }
  const entries = options.strategies.map((name) => findStrategy(name)).filter((e): e is StrategyEntry => !!e);
  try {
    checkStrategyOptions(entries, options.strategyOptions ?? {});
  } catch (error) {
    return reportFailure(error);
  }

  // --json: stdout holds the result and nothing else; --quiet: no progress, summary or warning.
  const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
  const output: SessionOutput = {
    stdout: options.quiet ? discard : options.json ? process.stderr : process.stdout,
    stderr: options.quiet ? discard : process.stderr,
  };
  const abort = new AbortController();
  let environment: Environment | undefined;
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write('\nstopping the load; checking and writing what ran (Ctrl-C again to quit now)\n');
      abort.abort();
      return;
    }
    process.stderr.write('\nquitting now; stopping the services\n');
    const stopping = environment?.stop() ?? Promise.resolve();
    void stopping.finally(() => process.exit(EXIT_INTERRUPTED));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const stopWatchingParent = watchParent(() => {
    process.stderr.write('\ncacheproof bench: the process that started this run is gone\n');
    onSignal();
  });
  try {
    if (options.env === 'local') await ensureServiceBinaries(options);
    environment = await startRunEnvironment(options, (message) =>
      output.stderr.write(`cacheproof bench: warning: ${message}\n`),
    );
    const outcome =
      gridPlans === undefined
        ? await runBenchSession(options, entries, environment, output, abort.signal)
        : await runGridSession(gridPlans, entries, environment, output, abort.signal);
    // Thresholds hold for what was written, interrupted or not; an interrupt still exits 130.
    // Each crossing's message names its strategy.
    const crossings = outcome.results.flatMap((result) =>
      evaluateThresholds(result, options.thresholds).map((crossing) => crossing.message),
    );
    for (const line of crossings) process.stderr.write(`cacheproof bench: threshold crossed: ${line}\n`);
    if (outcome.interrupted && outcome.results.length === 0) {
      process.stderr.write('cacheproof bench: interrupted before any strategy ran; nothing was written\n');
    }
    const several = options.matrix || gridPlans !== undefined;
    if (options.json && outcome.results.length > 0) {
      const value = several ? outcome.results : outcome.results[0];
      process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    }
    if (options.quiet) {
      // A single run's result.json; the folder of a matrix (<dir>/<strategy>/) or grid (<dir>/<plan>/<strategy>/).
      const levels = gridPlans !== undefined ? 3 : options.matrix ? 2 : 0;
      let where = outcome.resultFiles[0];
      for (let i = 0; i < levels && where !== undefined; i++) where = dirname(where);
      const line = finalLine(outcome.results, crossings.length, where, outcome.interrupted);
      (options.json ? process.stderr : process.stdout).write(line);
    }
    if (outcome.interrupted) return EXIT_INTERRUPTED;
    return crossings.length > 0 ? EXIT_THRESHOLD_CROSSED : EXIT_OK;
  } catch (error) {
    return reportFailure(error);
  } finally {
    await environment?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    stopWatchingParent();
  }
}

/**
 * `npm run bench` on a fresh machine: when a service binary is missing, run the idempotent
 * setup (and say so) instead of failing; if setup cannot install, its message says why.
 */
async function ensureServiceBinaries(mode: Pick<BenchOptions, 'json' | 'quiet'>): Promise<void> {
  try {
    await findServiceBinaries();
    return;
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    if (!mode.quiet) {
      process.stderr.write(
        `cacheproof bench: ${error.message.split(':')[0]}; running 'npm run setup' first\n`,
      );
    }
  }
  // Setup's lines are progress: on stderr (or nowhere) when stdout holds JSON or only the verdict.
  const setup = spawnSync('bash', [join(PROJECT_ROOT, 'scripts', 'setup.sh')], {
    stdio: mode.quiet ? ['ignore', 'ignore', 'inherit'] : mode.json ? ['ignore', 2, 'inherit'] : 'inherit',
  });
  if (setup.status !== 0) {
    throw new ConfigurationError(
      "setup could not install the services (see above); fix that, then run 'npm run setup'",
    );
  }
  await findServiceBinaries();
}

function reportFailure(error: unknown): number {
  if (error instanceof ConfigurationError) {
    process.stderr.write(`cacheproof bench: ${error.message}\n`);
    return EXIT_BAD_CONFIGURATION;
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`cacheproof bench failed: ${message}\n`);
  return EXIT_HARNESS_FAILED;
}

process.exitCode = await main(process.argv.slice(2));
