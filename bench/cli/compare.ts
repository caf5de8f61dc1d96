import { writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigurationError, messageOf } from '../../kernel/index.ts';
import type { MetricDelta } from '../../reports/compare.ts';
import { compareResults } from '../../reports/compare.ts';
import {
  describeChange,
  renderComparisonHtml,
  renderComparisonMarkdown,
} from '../../reports/compare-render.ts';
import { formatMetric } from '../../reports/format.ts';
import { METRICS } from '../../reports/metrics.ts';
import { readResult } from '../../reports/schema.ts';
import { parseMaxRegression, parseThreshold } from '../../reports/thresholds.ts';
import { makeDirectory } from './out-dir.ts';

/** Words wrapped at 88 columns, for the usage text. */
function wrap(text: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + word.length + 1 > 88) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return [...lines, line].join('\n');
}

const USAGE = `usage: npm run compare -- <base result.json|dir> <head result.json|dir> [options]

Puts two runs (or two matrix runs, paired by strategy) side by side.

  --out FILE.html              write the comparison as a self-contained HTML page
  --markdown FILE.md           write it as Markdown (for a CI job summary)
  --threshold 'METRIC<OP>N'    the head must satisfy it, e.g. 'staleReadRate<=0.0001' (repeatable)
  --max-regression 'METRIC=N%' the head may be at most N% worse than the base, e.g. 'goodput=10%';
                               without %, an amount in the metric's unit (repeatable)

Metrics: ${wrap(METRICS.map((m) => m.name).join(', '))}. Operators: <, <=, >, >=, ==.

Exit codes: 0 all rules hold · 1 compare failed · 2 bad arguments or an unreadable result · 3 a rule was crossed`;

const side = (d: MetricDelta, value: number | null): string =>
  value === null ? '—' : formatMetric(d.metric, value);

/** Writes a page; a location that cannot take it (a directory, /dev/full, /proc) is one line, exit 2. */
async function writeOutput(option: string, file: string, text: string): Promise<void> {
  try {
    await makeDirectory(dirname(file));
    await writeFile(file, text);
  } catch (error: unknown) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'EISDIR'
        ? 'is a directory; expected a file name'
        : `cannot write (${code ?? messageOf(error)})`;
    throw new ConfigurationError(`${option} ${file}: ${why}`);
  }
}

/** Runs `compare` with command-line arguments; resolves to the process exit code. */
export async function runCompare(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseCompareArgs>;
  try {
    parsed = parseCompareArgs(argv);
  } catch (error) {
    if (
      error instanceof ConfigurationError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      process.stderr.write(`compare: ${(error as Error).message}\n`);
      return 2;
    }
    throw error;
  }
  if (parsed === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { basePath, headPath, out, markdown, thresholds, maxRegressions } = parsed;
  try {
    const [base, head] = await Promise.all([readResult(basePath), readResult(headPath)]);
    const comparison = compareResults(base, head, { thresholds, maxRegressions });
    const labels = { base: basePath, head: headPath };
    if (out !== undefined) await writeOutput('--out', out, renderComparisonHtml(comparison, labels));
    if (markdown !== undefined)
      await writeOutput('--markdown', markdown, renderComparisonMarkdown(comparison, labels));
    for (const s of comparison.strategies) {
      const summary = s.deltas
        .filter((d) => d.metric.name === 'goodput' || d.metric.name === 'staleReadRate')
        .map(
          (d) =>
            `${d.metric.label.toLowerCase()} ${side(d, d.base)} → ${side(d, d.head)} (${describeChange(d).text})`,
        );
      process.stdout.write(`${s.strategy}: ${summary.join(', ')}\n`);
    }
    if (comparison.crossings.length > 0) {
      for (const crossing of comparison.crossings) process.stderr.write(`compare: ${crossing.message}\n`);
      return 3;
    }
    process.stdout.write(`compare: ${thresholds.length + maxRegressions.length} rules hold\n`);
    return 0;
  } catch (error) {
    if (error instanceof ConfigurationError) {
      process.stderr.write(`compare: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

function parseCompareArgs(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      markdown: { type: 'string' },
      threshold: { type: 'string', multiple: true },
      'max-regression': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help' as const;
  if (positionals.length !== 2) {
    throw new ConfigurationError(
      `expected a base and a head (result.json or directory), got ${positionals.length} paths; see --help`,
    );
  }
  return {
    basePath: positionals[0] as string,
    headPath: positionals[1] as string,
    out: values.out,
    markdown: values.markdown,
    thresholds: (values.threshold ?? []).map(parseThreshold),
    maxRegressions: (values['max-regression'] ?? []).map(parseMaxRegression),
  };
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  runCompare(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(
        `compare: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
