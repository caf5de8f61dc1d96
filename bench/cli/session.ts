import { writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { type GridPlan, type GridResult, recommend, recommendationLines } from '../../reports/grid.ts';
import { renderGridReport } from '../../reports/grid-render.ts';
import { renderMatrixReport } from '../../reports/render.ts';
import type { RunResult } from '../../reports/types.ts';
import type { Environment } from '../../services/types.ts';
import type { StrategyEntry } from '../../strategies/types.ts';
import { openDirect } from '../run/direct.ts';
import { runStrategy } from '../run/pipeline.ts';
import { runId } from '../run/result.ts';
import type { BenchOptions } from './options.ts';
import { progressTracker } from './progress.ts';
import { hostSnapshot, withRunEnvironment } from './run-environment.ts';
import { formatGridTable, formatMatrixTable, formatRunSummary } from './summary.ts';
import { REPORT_FILE, RESULT_FILE, writeRun } from './write-run.ts';

/** Below this hit ratio a cache pattern's figures say more about misses than about caching. */
const LOW_HIT_RATIO = 0.5;

/** Default parent of run directories. */
export const DEFAULT_OUT_ROOT = join('reports', 'out');

/** Where a session's text goes. */
export interface SessionOutput {
  /** Summaries and the matrix table. */
  stdout: NodeJS.WritableStream;
  /** Progress and warnings. */
  stderr: NodeJS.WriteStream;
}

/** What a session produced. */
export interface SessionOutcome {
  results: RunResult[];
  resultFiles: string[];
  /** True when an interrupt cut a strategy's run short or left strategies not run. */
  interrupted: boolean;
}

/**
 * Runs each selected strategy in turn on one environment with the same seed (the data is
 * reloaded and the cache flushed before each), writing each result.json as it finishes.
 * One strategy writes to `--out` or reports/out/<run-id>/; `--strategy all` writes
 * <matrix dir>/<strategy>/result.json, a matrix.json index and prints the side-by-side table.
 * An abort stops the running strategy's load (its result is still written, marked interrupted)
 * and skips the rest; matrix.json and the matrix report then say it is partial and what was not run.
 */
export async function runBenchSession(
  options: BenchOptions,
  entries: readonly StrategyEntry[],
  env: Environment,
  output: SessionOutput,
  signal?: AbortSignal,
): Promise<SessionOutcome> {
  const direct = await openDirect(env.endpoints);
  const results: RunResult[] = [];
  const resultFiles: string[] = [];
  const matrixDir = options.matrix
    ? (options.outDir ?? join(DEFAULT_OUT_ROOT, runId(new Date(), 'matrix', options.seed)))
    : undefined;
  let control: RunResult | undefined;
  try {
    for (const entry of controlFirst(entries)) {
      if (signal?.aborted) break;
      const dirOf = (run: RunResult): string =>
        matrixDir !== undefined
          ? join(matrixDir, entry.name)
          : (options.outDir ?? join(DEFAULT_OUT_ROOT, run.run.id));
      const result = await runOne(entry, options, env, direct, output, dirOf, control, signal);
      if (entry.isControl) control = result.result;
      results.push(result.result);
      resultFiles.push(result.file);
    }
  } finally {
    await direct.close();
  }
  // The control runs first (controlFirst), so "not run" is by name, not by position.
  const ran = new Set(results.map((result) => result.run.strategy));
  const notRun = entries.filter((entry) => !ran.has(entry.name)).map((entry) => entry.name);
  const interrupted = notRun.length > 0 || results.some((result) => result.run.interrupted);
  if (matrixDir !== undefined && results.length > 0) {
    const index = {
      schemaVersion: 1,
      seed: options.seed,
      interrupted,
      notRun,
      results: results.map((result, i) => ({
        strategy: result.run.strategy,
        file: relative(matrixDir, resultFiles[i] ?? join(result.run.strategy, RESULT_FILE)),
      })),
    };
    await writeFile(join(matrixDir, 'matrix.json'), `${JSON.stringify(index, null, 2)}\n`);
    await writeFile(join(matrixDir, REPORT_FILE), renderMatrixReport(results, notRun));
    output.stdout.write(`${formatMatrixTable(results)}matrix       ${join(matrixDir, REPORT_FILE)}\n`);
    if (interrupted)
      output.stdout.write(`partial      interrupted; not run: ${notRun.join(', ') || 'none'}\n`);
  }
  return { results, resultFiles, interrupted };
}

/** The control first, so every other report's verdict can be relative to it; the rest in order. */
function controlFirst(entries: readonly StrategyEntry[]): StrategyEntry[] {
  return [...entries.filter((e) => e.isControl), ...entries.filter((e) => !e.isControl)];
}

/** One strategy run: run it, keep what reproduces it, write it, print its summary and warnings. */
async function runOne(
  entry: StrategyEntry,
  options: BenchOptions,
  env: Environment,
  direct: Awaited<ReturnType<typeof openDirect>>,
  output: SessionOutput,
  dirOf: (result: RunResult) => string,
  control: RunResult | undefined,
  signal: AbortSignal | undefined,
): Promise<{ result: RunResult; file: string }> {
  const host = hostSnapshot();
  const run = await runStrategy(entry, {
    env,
    direct,
    options,
    ...(signal ? { signal } : {}),
    onEvent: progressTracker(output.stderr, entry.name),
  });
  run.result.run.env = withRunEnvironment(run.result.run.env, host, options.commandLine ?? []);
  const file = await writeRun(dirOf(run.result), run, options.keepHistory, undefined, control);
  output.stdout.write(`${formatRunSummary(run.result, file, control)}\n`);
  const hitRatio = run.result.cache.hitRatio;
  if (entry.usesCache && hitRatio < LOW_HIT_RATIO) {
    output.stderr.write(
      `[${entry.name}] warning: cache hit ratio ${(hitRatio * 100).toFixed(1)}%: the pattern was measured mostly on misses (more --keys than the load revisits, a short --ttl, or --cold-cache)\n`,
    );
  }
  return { result: run.result, file };
}

/**
 * `--grid`: every strategy under each plan in turn (the plans' options resolved one by one,
 * bench/cli/fault-plan.ts), one seed, the control first in each plan. Writes
 * <grid dir>/<plan>/<strategy>/result.json, a grid.json index and one grid report.html, and
 * prints the grid table and, with `--budget`, the recommendation. An abort stops the running
 * strategy's load (its result is still written) and skips the rest; the grid is written with
 * what ran.
 */
export async function runGridSession(
  columns: readonly { plan: GridPlan; options: BenchOptions }[],
  entries: readonly StrategyEntry[],
  env: Environment,
  output: SessionOutput,
  signal?: AbortSignal,
): Promise<SessionOutcome & { grid: GridResult }> {
  const first = columns[0]?.options;
  if (first === undefined) throw new Error('a grid needs at least one plan');
  const gridDir = first.outDir ?? join(DEFAULT_OUT_ROOT, runId(new Date(), 'grid', first.seed));
  const ordered = controlFirst(entries);
  const grid: GridResult = {
    seed: first.seed,
    strategies: ordered.map((e) => e.name),
    plans: columns.map((c) => c.plan),
    cells: ordered.map(() => columns.map(() => null)),
  };
  const results: RunResult[] = [];
  const resultFiles: string[] = [];
  const files: (string | null)[][] = ordered.map(() => columns.map(() => null));
  const direct = await openDirect(env.endpoints);
  try {
    for (const [p, column] of columns.entries()) {
      let control: RunResult | undefined;
      for (const [s, entry] of ordered.entries()) {
        if (signal?.aborted) break;
        output.stderr.write(`[grid] ${column.plan.label} · ${entry.name}\n`);
        const dir = join(gridDir, column.plan.label, entry.name);
        const { result, file } = await runOne(
          entry,
          column.options,
          env,
          direct,
          output,
          () => dir,
          control,
          signal,
        );
        if (entry.isControl) control = result;
        (grid.cells[s] as (RunResult | null)[])[p] = result;
        (files[s] as (string | null)[])[p] = relative(gridDir, file);
        results.push(result);
        resultFiles.push(file);
      }
    }
  } finally {
    await direct.close();
  }
  if (results.length > 0) {
    const budget = first.budget ?? [];
    const index = {
      schemaVersion: 1,
      seed: grid.seed,
      strategies: grid.strategies,
      plans: grid.plans,
      budget: budget.map((t) => t.text),
      cells: files,
    };
    await writeFile(join(gridDir, 'grid.json'), `${JSON.stringify(index, null, 2)}\n`);
    await writeFile(join(gridDir, REPORT_FILE), renderGridReport(grid, budget, files));
    let text = formatGridTable(grid);
    if (budget.length > 0) text += `${recommendationLines(grid, recommend(grid, budget)).join('\n')}\n`;
    output.stdout.write(`${text}grid         ${join(gridDir, REPORT_FILE)}\n`);
  }
  return { results, resultFiles, interrupted: signal?.aborted ?? false, grid };
}
