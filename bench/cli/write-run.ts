import { mkdtemp, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { messageOf } from '../../kernel/index.ts';
import { renderReport } from '../../reports/render.ts';
import type { RunResult } from '../../reports/types.ts';
import { RUN_FILES, saveRunInputs } from '../run/saved-run.ts';
import type { StrategyRun } from '../run/types.ts';
import { makeDirectory } from './out-dir.ts';

/** File names inside a run directory (bench/run/saved-run.ts holds the list). */
export const RESULT_FILE = RUN_FILES.result;
export const HISTORY_FILE = RUN_FILES.history;
export const REPORT_FILE = RUN_FILES.report;

/** What writeRun writes: a result, and with --keep-history what re-analysis reads. */
export type WritableRun = Pick<StrategyRun, 'result'> & Partial<Pick<StrategyRun, 'history' | 'analysis'>>;

async function writeFiles(
  dir: string,
  run: WritableRun,
  keepHistory: boolean,
  control: RunResult | undefined,
): Promise<string> {
  await makeDirectory(dir);
  const file = join(dir, RESULT_FILE);
  // Written whole, then renamed: a reader (or a CI step) never sees half a result.
  await writeFile(`${file}.partial`, `${JSON.stringify(run.result, null, 2)}\n`);
  await rename(`${file}.partial`, file);
  await writeFile(join(dir, REPORT_FILE), renderReport(run.result, control));
  if (keepHistory && run.history !== undefined && run.analysis !== undefined) {
    await saveRunInputs(dir, { history: run.history, analysis: run.analysis });
  }
  return file;
}

/**
 * Writes `result.json`, its self-contained HTML report `report.html` (and, when asked, the
 * compressed history and the check's other inputs, for `npm run check`) into `dir`; returns the result's path.
 * The report's verdict is relative to `control` (the `db-only` run of the same session) when given. The location is checked before
 * the run starts (bench/cli/out-dir.ts); should writing still fail (the disk filled up, the
 * directory went away), what ran is not lost: it goes to a fresh temporary directory instead,
 * and `warn` says where.
 */
export async function writeRun(
  dir: string,
  run: WritableRun,
  keepHistory: boolean,
  warn: (message: string) => void = (message) => process.stderr.write(`cacheproof bench: ${message}\n`),
  control?: RunResult,
): Promise<string> {
  try {
    return await writeFiles(dir, run, keepHistory, control);
  } catch (error: unknown) {
    const fallback = await mkdtemp(join(tmpdir(), 'cacheproof-run-'));
    const file = await writeFiles(fallback, run, keepHistory, control);
    const reason = (error as NodeJS.ErrnoException).code ?? messageOf(error);
    warn(`cannot write the run to ${dir} (${reason}); wrote it to ${fallback} instead`);
    return file;
  }
}
