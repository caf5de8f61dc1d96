import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
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
import { startEnvironment } from '../../services/index.ts';
import type { Environment } from '../../services/types.ts';
import { findStrategy, strategyEntries, strategyNames } from '../../strategies/registry.ts';
import { checkStrategyOptions } from '../../strategies/strategy-options.ts';
import type { StrategyEntry } from '../../strategies/types.ts';
import { withFaultPlan, withGridPlans } from './fault-plan.ts';
import { helpText, listText } from './help.ts';
import { type BenchOptions, parseBenchArgs } from './options.ts';
import { checkOutDir } from './out-dir.ts';
import { watchParent } from './parent-watch.ts';
import { DEFAULT_OUT_ROOT, runBenchSession, runGridSession } from './session.ts';

/**
 * `npm run bench`: validates the arguments before any service starts, starts the
 * environment, runs the session, and always stops the environment. The first Ctrl-C
 * (SIGINT/SIGTERM), or the exit of the process that started the harness, stops the load and
 * still checks and writes what ran; a second one quits at once, after stopping the services.
 */
export async function main(argv: readonly string[]): Promise<number> {
  let command: ReturnType<typeof parseBenchArgs>;
  try {
    command = parseBenchArgs(argv, strategyNames, () => randomInt(1, 2 ** 31));
  } catch (error) {
    return reportFailure(error);
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
    if (options.env === 'local') await ensureServiceBinaries();
    environment = await startEnvironment(options.env, {
      redisPersistence: options.redisAof,
      ...(options.dbTopology === undefined ? {} : { dbTopology: options.dbTopology }),
      ...(options.cacheTopology === undefined ? {} : { cacheTopology: options.cacheTopology }),
      allowExistingDb: options.allowExistingDb,
      warn: (message) => process.stderr.write(`cacheproof bench: warning: ${message}\n`),
    });
    const outcome =
      gridPlans === undefined
        ? await runBenchSession(options, entries, environment, process, abort.signal)
        : await runGridSession(gridPlans, entries, environment, process, abort.signal);
    // Thresholds hold for what was written, interrupted or not; an interrupt still exits 130.
    // Each crossing's message names its strategy.
    const crossings = outcome.results.flatMap((result) =>
      evaluateThresholds(result, options.thresholds).map((crossing) => crossing.message),
    );
    for (const line of crossings) process.stderr.write(`cacheproof bench: threshold crossed: ${line}\n`);
    if (outcome.interrupted && outcome.results.length === 0) {
      process.stderr.write('cacheproof bench: interrupted before any strategy ran; nothing was written\n');
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
async function ensureServiceBinaries(): Promise<void> {
  try {
    await findServiceBinaries();
    return;
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    process.stderr.write(`cacheproof bench: ${error.message.split(':')[0]}; running 'npm run setup' first\n`);
  }
  const setup = spawnSync('bash', [join(PROJECT_ROOT, 'scripts', 'setup.sh')], { stdio: 'inherit' });
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
