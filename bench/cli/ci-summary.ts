import { ConfigurationError } from '../../kernel/index.ts';
import { runFactsMarkdown, type SideFacts } from '../../reports/run-facts.ts';
import { readResult } from '../../reports/schema.ts';
import type { RunResult } from '../../reports/types.ts';
import { parseToolArgs, runIfMain } from './entry.ts';

const USAGE = `usage: node --import tsx bench/cli/ci-summary.ts --head <dir> [--base <dir>] [options]

Prints, as Markdown, what a CI performance job compared (scripts/ci-bench-compare.sh puts it
above the comparison in the job summary): per side the commit, plan, measured duration per
run, seed, runs, strategies and runner, from the results; without --base, the head alone.
  --base-commit SHA   the base's commit (default: the one its results recorded)
  --head-commit SHA   the head's commit (default: the one its results recorded)
  --runner TEXT       the machine both ran on, e.g. "GitHub-hosted ubuntu-24.04"`;

const OPTIONS = {
  base: { type: 'string' },
  head: { type: 'string' },
  'base-commit': { type: 'string' },
  'head-commit': { type: 'string' },
  runner: { type: 'string' },
} as const;

async function results(path: string): Promise<RunResult[]> {
  const read = await readResult(path);
  return Array.isArray(read) ? read : [read];
}

async function main(): Promise<number> {
  const values = parseToolArgs(process.argv.slice(2), OPTIONS);
  if (values === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (values.head === undefined)
    throw new ConfigurationError('--head: required; the head results (see --help)');
  const side = (commit: string | undefined): SideFacts => ({
    ...(commit === undefined ? {} : { commit }),
    ...(values.runner === undefined ? {} : { runner: values.runner }),
  });
  const base = values.base === undefined ? null : await results(values.base);
  process.stdout.write(
    runFactsMarkdown(base, await results(values.head), {
      base: side(values['base-commit']),
      head: side(values['head-commit']),
    }),
  );
  return 0;
}

runIfMain(import.meta.url, 'ci-summary', main);
