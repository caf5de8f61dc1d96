import { writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigurationError, messageOf, styleFor } from '../../kernel/index.ts';
import { compareResults } from '../../reports/compare.ts';
import {
  comparisonJson,
  renderComparisonHtml,
  renderComparisonMarkdown,
  renderComparisonText,
} from '../../reports/compare-render.ts';
import { DEFAULT_RULES, defaultRules } from '../../reports/default-rules.ts';
import { METRICS } from '../../reports/metrics.ts';
import { NOISE_ALPHA } from '../../reports/noise.ts';
import { MIN_RUNS_FOR_BOOTSTRAP } from '../../reports/repeats.ts';
import { readResult } from '../../reports/schema.ts';
import {
  type MaxRegression,
  parseMaxRegression,
  parseThreshold,
  type Threshold,
} from '../../reports/thresholds.ts';
import { strategyNames } from '../../strategies/registry.ts';
import { npmSwallowedHint } from './npm-hint.ts';
import { makeDirectory } from './out-dir.ts';

/** The long options of compare (for the hint when npm takes them for itself). */
const COMPARE_OPTIONS = [
  'out',
  'markdown',
  'json',
  'threshold',
  'max-regression',
  'allow-different-settings',
];

/** Words wrapped at 88 columns, for the usage text. */
function wrap(text: string, indent = ''): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + word.length + 1 > 88 - indent.length) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return [...lines, line].join(`\n${indent}`);
}

const USAGE = `usage: npm run compare -- <base result.json|dir> <head result.json|dir> [options]

Puts two runs (or two matrix or grid runs, paired by strategy and plan) side by side and
checks rules on them, k6 style: every rule that applies is listed as held (✓) or crossed (✗).

  --out FILE.html              write the comparison as a self-contained HTML page
  --markdown FILE.md           write it as Markdown (for a CI job summary)
  --json                       print the comparison as JSON on stdout (the text goes to stderr)
  --threshold 'RULE'           the head must satisfy it, e.g. 'staleReadRate<=0.0001' (repeatable)
  --max-regression 'RULE'      the head may be at most N% worse than the base, e.g. 'goodput=10%';
                               without %, an amount in the metric's unit (repeatable). Crossed only
                               when the change is also beyond the noise: a two-sided Mann–Whitney
                               test rejects "no change" at ${NOISE_ALPHA}, over the runs' values when both
                               sides have ${MIN_RUNS_FOR_BOOTSTRAP}+ runs (--runs), else over their seconds
  --allow-different-settings   compare runs whose workload, keys, clients, plan, duration, driver,
                               environment, route or TTL differ (listed) instead of refusing

A rule may be scoped: 'write-behind:lostWrites<=50' (one strategy), '@redis-crash:errorRate<=0.5'
(one plan), 'cache-aside@redis-crash:staleReadRate<=0.01' (both). The most specific rules on a
metric replace the others for what they cover.

Without --threshold and --max-regression, the default rules apply:
${DEFAULT_RULES.map((r) => `  ${r.kind === 'threshold' ? '--threshold' : '--max-regression'} '${r.text}'\n      ${wrap(r.why, '      ')}`).join('\n')}

Metrics: ${wrap(METRICS.map((m) => m.name).join(', '))}. Operators: <, <=, >, >=, ==.

Exit codes: 0 all rules hold · 1 compare failed · 2 bad arguments, an unreadable result, nothing
to pair, or different settings · 3 a rule was crossed`;

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
  const hint = npmSwallowedHint(
    'compare',
    /bench\/cli\/compare\.ts|cacheproof(\.js)?\s+compare\b/,
    COMPARE_OPTIONS,
  );
  if (hint !== undefined) {
    process.stderr.write(`${hint}\n`);
    return 2;
  }
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
  const {
    basePath,
    headPath,
    out,
    markdown,
    json,
    thresholds,
    maxRegressions,
    allowDifferentSettings,
    defaults,
  } = parsed;
  try {
    const [base, head] = await Promise.all([readResult(basePath), readResult(headPath)]);
    const compared = compareResults(base, head, { thresholds, maxRegressions, allowDifferentSettings });
    // A default rule scoped to what this comparison does not hold is not worth a line.
    const comparison = defaults ? { ...compared, unmatched: [] } : compared;
    const labels = { base: basePath, head: headPath };
    if (out !== undefined) await writeOutput('--out', out, renderComparisonHtml(comparison, labels));
    if (markdown !== undefined)
      await writeOutput('--markdown', markdown, renderComparisonMarkdown(comparison, labels));
    // With --json, stdout holds the JSON and nothing else.
    const text = json ? process.stderr : process.stdout;
    text.write(renderComparisonText(comparison, styleFor(text)));
    for (const crossing of comparison.crossings) process.stderr.write(`compare: ${crossing.message}\n`);
    if (json) process.stdout.write(`${JSON.stringify(comparisonJson(comparison, labels), null, 2)}\n`);
    return comparison.crossings.length > 0 ? 3 : 0;
  } catch (error) {
    if (error instanceof ConfigurationError) {
      process.stderr.write(`compare: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

/** A scoped rule naming a strategy the registry does not know is a typo: said before anything is read. */
function knownScope<T extends Threshold | MaxRegression>(flag: string, rule: T): T {
  const strategy = rule.scope?.strategy;
  if (strategy !== undefined && !strategyNames.includes(strategy)) {
    throw new ConfigurationError(
      `${flag} '${rule.text}': unknown strategy ${strategy}; expected one of ${strategyNames.join(', ')}`,
    );
  }
  return rule;
}

function parseCompareArgs(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      markdown: { type: 'string' },
      json: { type: 'boolean' },
      threshold: { type: 'string', multiple: true },
      'max-regression': { type: 'string', multiple: true },
      'allow-different-settings': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help' as const;
  if (positionals.length !== 2) {
    throw new ConfigurationError(
      `expected a base and a head (result.json or directory), got ${positionals.length} paths; see --help`,
    );
  }
  const given = {
    thresholds: (values.threshold ?? []).map((t) => knownScope('--threshold', parseThreshold(t))),
    maxRegressions: (values['max-regression'] ?? []).map((r) =>
      knownScope('--max-regression', parseMaxRegression(r)),
    ),
  };
  const defaults = given.thresholds.length + given.maxRegressions.length === 0;
  const rules = defaults ? defaultRules() : given;
  return {
    basePath: positionals[0] as string,
    headPath: positionals[1] as string,
    out: values.out,
    markdown: values.markdown,
    json: values.json ?? false,
    allowDifferentSettings: values['allow-different-settings'] ?? false,
    defaults,
    ...rules,
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
