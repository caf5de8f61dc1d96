import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigurationError } from '../../kernel/index.ts';
import {
  controlStrategy,
  findStrategy,
  strategyNames,
  unknownStrategyMessage,
} from '../../strategies/registry.ts';
import { checkStrategyOptions, parseStrategyOptions } from '../../strategies/strategy-options.ts';
import { parseToolArgs, runIfMain, withLocalEnvironment } from '../cli/entry.ts';
import { DEFAULT_MAX_SCHEDULES, ScenarioTooLarge } from './enumerate.ts';
import { exploreScenario } from './explore.ts';
import { formatAnomalySchedules, formatExploreTable, renderExplorePage } from './format.ts';
import { LocalWorld } from './local-world.ts';
import { BUILT_IN_SCENARIOS, findScenario } from './scenarios.ts';
import type { ExplorationResult, Scenario } from './types.ts';

const DEFAULT_OUT = 'reports/out/explore';

/** What `npm run explore` was asked to do. */
export interface ExploreArgs {
  strategies: string[];
  scenarios: Scenario[];
  maxSchedules: number;
  out: string;
  /** `--strategy-option name=value`, checked against the strategies to explore. */
  options: Record<string, string>;
}

const USAGE = `usage: npm run explore -- --strategy <name|all> [--scenario <name>] [--max-schedules N] [--out DIR]

Starts local Redis, MariaDB and Toxiproxy and runs EVERY schedule of a few operations on one
key, one step at a time over the strategies' pause points (a step: an operation's commands
from one pause point to the next; nothing else runs meanwhile), with a fault event at every
step boundary where the scenario has one. Each schedule starts from a fresh key at version 1.
Prints the shortest schedule of each anomaly as a step list and the table pattern × scenario.
  --strategy NAME      ${strategyNames.join(', ')}, or all
  --scenario NAME      one scenario (default: all of them):
${BUILT_IN_SCENARIOS.map((s) => `                         ${s.name}: ${s.summary}`).join('\n')}
  --strategy-option K=V  an option of the pattern (repeatable; --list of npm run bench shows them),
                         e.g. consistency=weak for tag-as-deleted
  --max-schedules N    refuse a scenario with more schedules than N (default ${DEFAULT_MAX_SCHEDULES})
  --out DIR            where explore.json and explore.html go (default ${DEFAULT_OUT})
  --help               this text
Anomalies (the checker's definitions): stale-read, stale-cache (cache older than MySQL),
cache-newer (a version MySQL never got), lost-write (acknowledged, above MySQL's final version).
Exit code 0 when db-only (the control) shows no anomaly, 1 otherwise, 2 for bad arguments.`;

/** Parses and checks the arguments before any service starts; 'help' for --help. */
export function parseExploreArgs(argv: readonly string[]): ExploreArgs | 'help' {
  const values = parseToolArgs(argv, {
    strategy: { type: 'string' },
    scenario: { type: 'string' },
    'max-schedules': { type: 'string', default: String(DEFAULT_MAX_SCHEDULES) },
    'strategy-option': { type: 'string', multiple: true },
    out: { type: 'string', default: DEFAULT_OUT },
  });
  if (values === 'help') return values;
  const strategy = values.strategy;
  if (strategy === undefined)
    throw new ConfigurationError('--strategy: required (a strategy name or all; see --help)');
  if (strategy !== 'all' && !strategyNames.includes(strategy))
    throw new ConfigurationError(`--strategy: ${unknownStrategyMessage(strategy)}`);
  const scenarios = values.scenario === undefined ? [...BUILT_IN_SCENARIOS] : [findScenario(values.scenario)];
  const max = Number(values['max-schedules']);
  if (!Number.isSafeInteger(max) || max < 1) {
    throw new ConfigurationError(
      `--max-schedules: expected a positive integer, got '${values['max-schedules']}'`,
    );
  }
  const out = values.out ?? DEFAULT_OUT;
  if (out.trim() === '') throw new ConfigurationError('--out: expected a directory');
  const strategies = strategy === 'all' ? [...strategyNames] : [strategy];
  const options = parseStrategyOptions(values['strategy-option'] ?? []);
  checkStrategyOptions(
    strategies.flatMap((name) => findStrategy(name) ?? []),
    options,
  );
  return { strategies, scenarios, maxSchedules: max, out, options };
}

/**
 * Explores every strategy × scenario asked for against `world`, in order. In a matrix a
 * scenario above the bound becomes a row that says so and the others go on; asked for
 * alone, it is the one-line error (exit 2).
 */
export async function exploreAll(
  world: LocalWorld,
  args: ExploreArgs,
  onResult: (result: ExplorationResult) => void = () => undefined,
): Promise<ExplorationResult[]> {
  const results: ExplorationResult[] = [];
  const matrix = args.strategies.length * args.scenarios.length > 1;
  for (const strategy of args.strategies) {
    for (const scenario of args.scenarios) {
      let result: ExplorationResult;
      try {
        result = await exploreScenario(world, strategy, scenario, args.maxSchedules, args.options);
      } catch (error) {
        if (!matrix || !(error instanceof ScenarioTooLarge)) throw error;
        result = tooLargeResult(strategy, scenario, error.message);
      }
      results.push(result);
      onResult(result);
    }
  }
  return results;
}

function tooLargeResult(strategy: string, scenario: Scenario, message: string): ExplorationResult {
  return {
    strategy,
    options: {},
    scenario: scenario.name,
    participants: [],
    schedules: 0,
    schedulesWithAnomaly: 0,
    reducedBranches: 0,
    outcomes: [],
    shortestByAnomaly: [],
    elapsedMs: 0,
    tooLarge: message,
  };
}

async function main(): Promise<number> {
  const args = parseExploreArgs(process.argv.slice(2));
  if (args === 'help') {
    console.log(USAGE);
    return 0;
  }
  return withLocalEnvironment('explore', async (env) => {
    const world = await LocalWorld.open(env);
    let results: ExplorationResult[];
    try {
      results = await exploreAll(world, args, (r) => {
        const what = r.tooLarge ?? `${r.schedules} schedules, ${r.schedulesWithAnomaly} with an anomaly`;
        process.stderr.write(
          `explore: ${r.strategy} / ${r.scenario}: ${what} (${(r.elapsedMs / 1000).toFixed(1)} s)\n`,
        );
      });
    } finally {
      await world.close();
    }
    const anomalies = formatAnomalySchedules(results);
    if (anomalies !== '') console.log(`${anomalies}\n`);
    console.log(formatExploreTable(results));
    const schedules = results.reduce((sum, r) => sum + r.schedules, 0);
    const seconds = results.reduce((sum, r) => sum + r.elapsedMs, 0) / 1000;
    console.log(
      `\n${schedules} schedules in ${seconds.toFixed(1)} s: ${(schedules / seconds).toFixed(0)} schedules/s`,
    );
    const out = resolve(args.out);
    await mkdir(out, { recursive: true });
    await writeFile(
      join(out, 'explore.json'),
      `${JSON.stringify({ generatedAt: new Date().toISOString(), results }, null, 2)}\n`,
    );
    await writeFile(join(out, 'explore.html'), renderExplorePage(results));
    console.log(`wrote ${join(out, 'explore.json')} and explore.html`);
    const controlName = controlStrategy().name;
    const control = results.filter((r) => r.strategy === controlName && r.schedulesWithAnomaly > 0);
    if (control.length > 0) {
      console.error(
        `explore: the control ${controlName} shows anomalies in ${control.map((r) => r.scenario).join(', ')}`,
      );
      return 1;
    }
    return 0;
  });
}

runIfMain(import.meta.url, 'explore', main);
