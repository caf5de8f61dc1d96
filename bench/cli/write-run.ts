import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderReport } from '../../reports/render.ts';
import { saveHistory } from '../history/history-file.ts';
import type { StrategyRun } from '../run/types.ts';

/** File names inside a run directory. */
export const RESULT_FILE = 'result.json';
export const HISTORY_FILE = 'history.bin.gz';
export const REPORT_FILE = 'report.html';

/**
 * Writes `result.json`, its self-contained HTML report `report.html` (and the compressed
 * history when asked) into `dir`; returns the result's path.
 */
export async function writeRun(dir: string, run: StrategyRun, keepHistory: boolean): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, RESULT_FILE);
  await writeFile(file, `${JSON.stringify(run.result, null, 2)}\n`);
  await writeFile(join(dir, REPORT_FILE), renderReport(run.result));
  if (keepHistory) await saveHistory(run.history, join(dir, HISTORY_FILE));
  return file;
}
