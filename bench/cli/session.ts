import { writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { renderMatrixReport } from '../../reports/render.ts';
import type { RunResult } from '../../reports/types.ts';
import type { Environment } from '../../services/types.ts';
import type { StrategyEntry } from '../../strategies/types.ts';
import { openDirect } from '../run/direct.ts';
import { runStrategy } from '../run/pipeline.ts';
import { runId } from '../run/result.ts';
import type { BenchOptions } from './options.ts';
import { progressTracker } from './progress.ts';
import { formatMatrixTable, formatRunSummary } from './summary.ts';
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
  try {
    for (const entry of entries) {
      if (signal?.aborted) break;
      const run = await runStrategy(entry, {
        env,
        direct,
        options,
        ...(signal ? { signal } : {}),
        onEvent: progressTracker(output.stderr, entry.name),
      });
      const dir =
        matrixDir !== undefined
          ? join(matrixDir, entry.name)
          : (options.outDir ?? join(DEFAULT_OUT_ROOT, run.result.run.id));
      const file = await writeRun(dir, run, options.keepHistory);
      results.push(run.result);
      resultFiles.push(file);
      output.stdout.write(`${formatRunSummary(run.result, file)}\n`);
      const hitRatio = run.result.cache.hitRatio;
      if (entry.usesCache && hitRatio < LOW_HIT_RATIO) {
        output.stderr.write(
          `[${entry.name}] warning: cache hit ratio ${(hitRatio * 100).toFixed(1)}%: the pattern was measured mostly on misses (more --keys than the load revisits, a short --ttl, or --cold-cache)\n`,
        );
      }
    }
  } finally {
    await direct.close();
  }
  const notRun = entries.slice(results.length).map((entry) => entry.name);
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
