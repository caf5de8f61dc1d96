import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { History } from '../../checker/types.ts';
import { ConfigurationError } from '../../kernel/index.ts';
import { RESULT_FILE, readResult } from '../../reports/schema.ts';
import type { RunResult } from '../../reports/types.ts';
import { loadHistory, saveHistory } from '../history/history-file.ts';
import type { AnalysisInputs, StrategyRun } from './types.ts';

/** The files of a run directory: the result, its report, and with `--keep-history` what re-analysis reads. */
export const RUN_FILES = Object.freeze({
  result: RESULT_FILE,
  report: 'report.html',
  history: 'history.bin.gz',
  analysis: 'analysis.json',
});

/** Version of analysis.json's layout; bump when it changes. */
const ANALYSIS_FORMAT = 1;

/** Saves what `npm run check` needs besides result.json: the history and the check's other inputs. */
export async function saveRunInputs(
  dir: string,
  run: Pick<StrategyRun, 'history' | 'analysis'>,
): Promise<void> {
  await saveHistory(run.history, join(dir, RUN_FILES.history));
  await writeFile(
    join(dir, RUN_FILES.analysis),
    `${JSON.stringify({ format: ANALYSIS_FORMAT, ...run.analysis })}\n`,
  );
}

/** A saved run, read back: its result, its history and the check's other inputs. */
export interface SavedRun {
  result: RunResult;
  history: History;
  analysis: AnalysisInputs;
}

/**
 * Reads a run directory written with `--keep-history`. A directory without one of the files is
 * a ConfigurationError naming what is missing and how to get it.
 */
export async function loadSavedRun(dir: string): Promise<SavedRun> {
  const read = await readResult(join(dir, RUN_FILES.result)).catch(() => {
    throw new ConfigurationError(`${dir}: no readable ${RUN_FILES.result}; expected a run directory`);
  });
  const result = Array.isArray(read) ? read[0] : read;
  if (result === undefined) throw new ConfigurationError(`${dir}: no ${RUN_FILES.result}`);
  if (result.repeats !== undefined) {
    // A result of --runs N: each run was saved whole (with --keep-history) in runs/<i>/.
    throw new ConfigurationError(
      `${dir}: holds ${result.repeats.count} runs (--runs); check one at a time: npm run check -- ${join(dir, 'runs', '1')} (saved with --keep-history)`,
    );
  }
  const history = await loadHistory(join(dir, RUN_FILES.history)).catch((error: unknown) => {
    throw new ConfigurationError(
      `${dir}: no readable ${RUN_FILES.history} (run with --keep-history to keep what re-analysis needs): ${(error as Error).message}`,
    );
  });
  let text: string;
  try {
    text = await readFile(join(dir, RUN_FILES.analysis), 'utf8');
  } catch {
    throw new ConfigurationError(
      `${dir}: no ${RUN_FILES.analysis} (run with --keep-history to keep what re-analysis needs)`,
    );
  }
  const parsed = JSON.parse(text) as { format?: unknown } & AnalysisInputs;
  if (parsed.format !== ANALYSIS_FORMAT) {
    throw new ConfigurationError(
      `${join(dir, RUN_FILES.analysis)}: format ${String(parsed.format)}, this cacheproof reads ${ANALYSIS_FORMAT}`,
    );
  }
  const { format: _format, ...analysis } = parsed;
  return { result, history, analysis };
}
