import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { ConfigurationError } from '../../kernel/index.ts';
import { renderReport } from '../../reports/render.ts';
import type { RunResult } from '../../reports/types.ts';
import { analyse } from '../run/analyse.ts';
import { withReport } from '../run/result.ts';
import { loadSavedRun, RUN_FILES } from '../run/saved-run.ts';
import { parseToolCommand, runIfMain } from './entry.ts';
import { formatRunSummary } from './summary.ts';

const USAGE = `usage: npm run check -- <run dir> [--out FILE.html]

Re-analyses a run saved with --keep-history, without any service: reads result.json, the
history (${RUN_FILES.history}) and the check's other inputs (${RUN_FILES.analysis}: final
snapshot, step traces, probes, MySQL's record of its commits), runs the checker again, prints
the summary, re-renders the report and says whether every number matches result.json.
  --out FILE.html   where to write the re-rendered report (default: <run dir>/rechecked.html)
Exit codes: 0 the numbers match · 1 they differ (the checker changed) · 2 bad arguments or a
directory without the files it needs`;

/** What a re-analysis found: the recomputed result and the top-level parts that differ from the saved one. */
export interface Recheck {
  result: RunResult;
  differences: string[];
}

/** Recomputes a saved run's checked sections; `differences` names every one that changed. */
export async function recheckRun(dir: string): Promise<Recheck> {
  const saved = await loadSavedRun(dir);
  const result = withReport(saved.result, analyse(saved.history, saved.analysis));
  const differences: string[] = [];
  for (const part of ['consistency', 'faultWindows'] as const) {
    if (!isDeepStrictEqual(result[part], saved.result[part])) differences.push(part);
  }
  if (!isDeepStrictEqual(result.run.faults, saved.result.run.faults)) differences.push('run.faults');
  if (!isDeepStrictEqual(result.throughput.timeline, saved.result.throughput.timeline)) {
    differences.push('throughput.timeline');
  }
  return { result, differences };
}

async function main(): Promise<number> {
  const command = parseToolCommand(process.argv.slice(2), { out: { type: 'string' } });
  if (command === 'help') {
    console.log(USAGE);
    return 0;
  }
  const [dir, ...extra] = command.positionals;
  if (dir === undefined || extra.length > 0) {
    throw new ConfigurationError('expected one run directory (see --help)');
  }
  const values = command.values;
  const { result, differences } = await recheckRun(dir);
  const out = values.out ?? join(dir, 'rechecked.html');
  await writeFile(out, renderReport(result));
  process.stdout.write(formatRunSummary(result));
  process.stdout.write(`report       ${out}\n`);
  if (differences.length > 0) {
    process.stderr.write(`check: recomputed numbers differ from result.json in ${differences.join(', ')}\n`);
    return 1;
  }
  process.stdout.write('check: every recomputed number matches result.json\n');
  return 0;
}

runIfMain(import.meta.url, 'check', main);
