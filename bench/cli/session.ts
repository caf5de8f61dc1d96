import { writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { styleFor } from '../../kernel/index.ts';
import { type GridPlan, type GridResult, recommend, recommendationLines } from '../../reports/grid.ts';
import { renderGridReport } from '../../reports/grid-render.ts';
import { renderMatrixReport } from '../../reports/render.ts';
import { aggregateRuns } from '../../reports/repeats.ts';
import { planName } from '../../reports/scope.ts';
import { checkThresholds, ruleCheck } from '../../reports/thresholds.ts';
import type { RunResult } from '../../reports/types.ts';
import { startEnvironment } from '../../services/index.ts';
import type { Environment } from '../../services/types.ts';
import type { StrategyEntry } from '../../strategies/types.ts';
import { openDirect } from '../run/direct.ts';
import { runStrategy } from '../run/pipeline.ts';
import { runId } from '../run/result.ts';
import type { StrategyRun } from '../run/types.ts';
import type { BenchOptions } from './options.ts';
import { type ProgressOut, runProgress } from './progress.ts';
import { hostSnapshot, withRunEnvironment } from './run-environment.ts';
import { formatGridTable, formatMatrixTable, formatRuleLines, formatRunSummary, runLine } from './summary.ts';
import { REPORT_FILE, RESULT_FILE, type WritableRun, writeRun } from './write-run.ts';

/** Below this hit ratio a cache pattern's figures say more about misses than about caching. */
const LOW_HIT_RATIO = 0.5;

/** Default parent of run directories. */
export const DEFAULT_OUT_ROOT = join('reports', 'out');

/** Where a session's text goes. */
export interface SessionOutput {
  /** Summaries and the matrix table (coloured when it is a terminal, kernel/colour.ts). */
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  /** Progress and warnings. */
  stderr: ProgressOut;
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
 * With `--runs N` every strategy runs N times, in N rounds of all of them (the control first
 * in each), and each writes one result.json of its N runs when the last round ends (with
 * `--keep-history`, each run's own directory under runs/<i>/ as it ends).
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
  const matrixDir = options.matrix
    ? (options.outDir ?? join(DEFAULT_OUT_ROOT, runId(new Date(), 'matrix', options.seed)))
    : undefined;
  const cells: Cell[] = controlFirst(entries).map((entry) => ({
    entry,
    dirOf: (run: RunResult): string =>
      matrixDir !== undefined
        ? join(matrixDir, entry.name)
        : (options.outDir ?? join(DEFAULT_OUT_ROOT, run.run.id)),
  }));
  let rounds: Rounds = { written: [], cut: false };
  try {
    rounds = await runRounds(cells, options, env, direct, output, signal, (name) => `[${name}]`);
  } finally {
    await direct.close();
  }
  const written = rounds.written;
  const results = written.flatMap((w) => (w === null ? [] : [w.result]));
  const resultFiles = written.flatMap((w) => (w === null ? [] : [w.file]));
  // The control runs first (controlFirst), so "not run" is by name, not by position.
  const ran = new Set(results.map((result) => result.run.strategy));
  const notRun = entries.filter((entry) => !ran.has(entry.name)).map((entry) => entry.name);
  // Cut: an abort between two of the --runs left a strategy with fewer runs than asked.
  const interrupted = notRun.length > 0 || rounds.cut || results.some((result) => result.run.interrupted);
  if (matrixDir !== undefined && results.length > 0) {
    const index = {
      schemaVersion: 1,
      seed: options.seed,
      runs: options.runs ?? 1,
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

/** One (strategy, plan) of a session: what it runs, with which options, and where it writes. */
interface Cell {
  entry: StrategyEntry;
  /** Its plan's options (a grid column's); absent: the session's. */
  options?: BenchOptions;
  /** The directory of its result, from its first run. */
  dirOf: (first: RunResult) => string;
  /** The cell its verdict is relative to (the db-only of the same plan), -1 for none; absent: the session's control. */
  controlIndex?: number;
  /** A line announcing each of its runs on stderr (the grid's "[grid] plan · strategy"). */
  announce?: string;
}

/** A cell's written result, or null when it never ran. */
type Written = { result: RunResult; file: string } | null;

/** What the rounds wrote, and whether an abort left some cell with fewer runs than asked. */
interface Rounds {
  written: Written[];
  cut: boolean;
}

/**
 * Runs every cell `options.runs` times (default once), in rounds: round r runs each cell once,
 * in order. A single run is written and summarised as it ends; repeated runs are aggregated
 * (reports/repeats.ts) and written when the last round ends. An abort stops the rounds.
 */
async function runRounds(
  cells: readonly Cell[],
  options: BenchOptions,
  env: Environment,
  direct: Awaited<ReturnType<typeof openDirect>>,
  output: SessionOutput,
  signal: AbortSignal | undefined,
  tag: (name: string) => string,
): Promise<Rounds> {
  const rounds = options.runs ?? 1;
  const runs: RunResult[][] = cells.map(() => []);
  const dirs: (string | undefined)[] = cells.map(() => undefined);
  const written: Written[] = cells.map(() => null);
  const controlOf = (c: number, pick: (i: number) => RunResult | undefined): RunResult | undefined => {
    const index = cells[c]?.controlIndex ?? cells.findIndex((cell) => cell.entry.isControl);
    return index < 0 || index === c ? undefined : pick(index);
  };
  for (let round = 0; round < rounds && !signal?.aborted; round++) {
    for (const [c, cell] of cells.entries()) {
      if (signal?.aborted) break;
      const cellOptions = cell.options ?? options;
      const count = rounds > 1 ? ` (run ${round + 1}/${rounds})` : '';
      if (cell.announce !== undefined) output.stderr.write(`${cell.announce}${count}\n`);
      const position = { index: round * cells.length + c + 1, total: rounds * cells.length };
      const run = await runOnce(cell.entry, cellOptions, env, direct, output, signal, position);
      const dir = dirs[c] ?? cell.dirOf(run.result);
      dirs[c] = dir;
      (runs[c] as RunResult[]).push(run.result);
      if (rounds === 1) {
        const control = controlOf(c, (i) => written[i]?.result);
        written[c] = await finish(cell.entry, [run], cellOptions, dir, output, control);
        continue;
      }
      if (cellOptions.keepHistory) {
        const control = controlOf(c, (i) => runs[i]?.[round]);
        await writeRun(join(dir, RUNS_DIR, String(round + 1)), run, true, warnTo(output), control);
      }
      output.stderr.write(`${tag(cell.entry.name)} run ${round + 1}/${rounds}: ${runLine(run.result)}\n`);
    }
  }
  if (rounds > 1) {
    for (const [c, cell] of cells.entries()) {
      const cellRuns = runs[c] as RunResult[];
      const dir = dirs[c];
      if (cellRuns.length === 0 || dir === undefined) continue;
      const control = controlOf(c, (i) => written[i]?.result);
      const each = cellRuns.map((result) => ({ result }));
      written[c] = await finish(cell.entry, each, cell.options ?? options, dir, output, control);
    }
  }
  return { written, cut: runs.some((cellRuns) => cellRuns.length < rounds) };
}

/** With `--runs N` and `--keep-history`, run i of a result's directory is saved whole in runs/<i>/ (from 1). */
export const RUNS_DIR = 'runs';

/**
 * One run of one strategy, with what reproduces it and the plan it ran under (`label`: what the
 * progress line calls it, the strategy's name unless told).
 */
export async function runOnce(
  entry: StrategyEntry,
  options: BenchOptions,
  env: Environment,
  direct: Awaited<ReturnType<typeof openDirect>>,
  output: SessionOutput,
  signal: AbortSignal | undefined,
  position: { index: number; total: number },
  label = entry.name,
): Promise<StrategyRun> {
  const host = hostSnapshot();
  const progress = runProgress(output.stderr, {
    label,
    ...(position.total > 1 ? { position } : {}),
    warmupMs: options.warmupMs,
    durationMs: options.durationMs,
    faults: options.faultPlan ?? [],
  });
  let run: StrategyRun;
  try {
    run = await runStrategy(entry, {
      env,
      direct,
      options,
      ...(signal ? { signal } : {}),
      onEvent: progress.onEvent,
    });
  } finally {
    progress.stop();
  }
  run.result.run.env = withRunEnvironment(run.result.run.env, host, options.commandLine ?? []);
  run.result.run.plan = planName(options.faultSpecs ?? []);
  return run;
}

/**
 * Aggregates a cell's runs (one is kept as it is), checks `--threshold` and `--budget` on it
 * and records them, writes it (with its history when it is a single run and `--keep-history`),
 * and prints its summary, its rules (✓ held, ✗ broken) and its warnings.
 */
async function finish(
  entry: StrategyEntry,
  runs: readonly WritableRun[],
  options: BenchOptions,
  dir: string,
  output: SessionOutput,
  control: RunResult | undefined,
): Promise<{ result: RunResult; file: string }> {
  const result = aggregateRuns(runs.map((run) => run.result));
  const thresholds = checkThresholds(result, options.thresholds);
  const budget = checkThresholds(result, options.budget ?? []);
  if (options.thresholds.length > 0) result.thresholds = thresholds.map(ruleCheck);
  if ((options.budget ?? []).length > 0) result.budget = budget.map(ruleCheck);
  const single = runs.length === 1 ? runs[0] : undefined;
  const file = await writeRun(
    dir,
    single === undefined ? { result } : { ...single, result },
    options.keepHistory && single !== undefined,
    warnTo(output),
    control,
  );
  const style = styleFor(output.stdout);
  output.stdout.write(
    `${formatRunSummary(result, file, control, style)}${formatRuleLines('thresholds', thresholds, style)}${formatRuleLines('budget', budget, style)}\n`,
  );
  const hitRatio = result.cache.hitRatio;
  if (entry.usesCache && hitRatio < LOW_HIT_RATIO) {
    output.stderr.write(
      `[${entry.name}] warning: cache hit ratio ${(hitRatio * 100).toFixed(1)}%: the pattern was measured mostly on misses (more --keys than the load revisits, a short --ttl, or --cold-cache)\n`,
    );
  }
  return { result, file };
}

function warnTo(output: SessionOutput): (message: string) => void {
  return (message) => output.stderr.write(`cacheproof bench: ${message}\n`);
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
  const cells: Cell[] = [];
  const controlRow = ordered.findIndex((e) => e.isControl);
  for (const column of columns) {
    const columnStart = cells.length;
    for (const entry of ordered) {
      const dir = join(gridDir, column.plan.label, entry.name);
      cells.push({
        entry,
        options: column.options,
        dirOf: () => dir,
        controlIndex: controlRow < 0 ? -1 : columnStart + controlRow,
        announce: `[grid] ${column.plan.label} · ${entry.name}`,
      });
    }
  }
  const direct = await openDirect(env.endpoints);
  let written: Written[] = [];
  try {
    ({ written } = await runRounds(cells, first, env, direct, output, signal, (name) => `[grid] ${name}`));
  } finally {
    await direct.close();
  }
  const results: RunResult[] = [];
  const resultFiles: string[] = [];
  const files: (string | null)[][] = ordered.map(() => columns.map(() => null));
  written.forEach((w, i) => {
    if (w === null) return;
    const p = Math.floor(i / ordered.length);
    const s = i % ordered.length;
    (grid.cells[s] as (RunResult | null)[])[p] = w.result;
    (files[s] as (string | null)[])[p] = relative(gridDir, w.file);
    results.push(w.result);
    resultFiles.push(w.file);
  });
  if (results.length > 0) {
    const budget = first.budget ?? [];
    const index = {
      schemaVersion: 1,
      seed: grid.seed,
      runs: first.runs ?? 1,
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

/** Starts the services `options` ask for (kind, persistence, topologies), warnings to `warn`. */
export function startRunEnvironment(
  options: BenchOptions,
  warn: (message: string) => void,
): Promise<Environment> {
  return startEnvironment(options.env, {
    redisPersistence: options.redisAof,
    ...(options.dbTopology === undefined ? {} : { dbTopology: options.dbTopology }),
    ...(options.cacheTopology === undefined ? {} : { cacheTopology: options.cacheTopology }),
    allowExistingDb: options.allowExistingDb,
    warn,
  });
}
