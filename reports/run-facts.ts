import { formatDuration } from '../kernel/duration.ts';
import { planOf } from './scope.ts';
import type { RunResult } from './types.ts';

/** What a CI job says about each side beyond the results: the commit and the runner, when it knows better. */
export interface SideFacts {
  /** The commit this side ran (e.g. GITHUB_SHA); the results' own `run.env.gitCommit` otherwise. */
  commit?: string;
  /** The machine, e.g. `GitHub-hosted ubuntu-24.04 (Linux X64)`; the results' environment otherwise. */
  runner?: string;
}

/** The values of one fact across a side's results: one value, or each distinct one joined. */
function distinct(results: readonly RunResult[], pick: (r: RunResult) => string): string {
  const values = [...new Set(results.map(pick))];
  return values.length === 0 ? '—' : values.join(', ');
}

function commitOf(results: readonly RunResult[], given: string | undefined): string {
  if (given !== undefined && given !== '') return given;
  return distinct(results, (r) => r.run.env.gitCommit ?? 'not recorded');
}

function machineOf(r: RunResult): string {
  const env = r.run.env;
  const parts = Object.entries(env.versions)
    .filter(([name]) => name !== 'cacheproof')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, version]) => `${name} ${version}`);
  return [`${env.kind} environment`, env.cpus === undefined ? undefined : `${env.cpus} CPUs`, ...parts]
    .filter((p) => p !== undefined)
    .join(', ');
}

/** One side's row values, in the order of {@link FACT_NAMES}. */
function sideValues(results: readonly RunResult[], facts: SideFacts): string[] {
  return [
    commitOf(results, facts.commit),
    distinct(results, planOf),
    distinct(
      results,
      (r) =>
        `${formatDuration(r.run.plannedDurationMs ?? r.run.durationMs)} after ${formatDuration(r.run.warmupMs)} warm-up`,
    ),
    distinct(results, (r) => String(r.run.seed)),
    distinct(results, (r) => String(r.repeats?.count ?? 1)),
    `${new Set(results.map((r) => r.run.strategy)).size} (${distinct(results, (r) => r.run.strategy)})`,
    facts.runner === undefined || facts.runner === ''
      ? distinct(results, machineOf)
      : `${facts.runner}; ${distinct(results, machineOf)}`,
  ];
}

const FACT_NAMES = ['commit', 'plan', 'measured per run', 'seed', 'runs', 'strategies', 'runner'];

/** Escapes text for a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/[\\|`*_[\]<>]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : `\\${c}`));
}

/**
 * What ran, as the Markdown a CI job summary opens with: a row per fact (commit, plan, measured
 * duration, seed, runs, strategies, runner), a column per side; without a base (no baseline
 * yet) only the head's column.
 */
export function runFactsMarkdown(
  base: readonly RunResult[] | null,
  head: readonly RunResult[],
  facts: { base?: SideFacts; head?: SideFacts } = {},
): string {
  const headValues = sideValues(head, facts.head ?? {});
  const baseValues = base === null ? null : sideValues(base, facts.base ?? {});
  const lines =
    baseValues === null
      ? ['| what ran | head |', '|---|---|']
      : ['| what ran | base | head |', '|---|---|---|'];
  FACT_NAMES.forEach((name, i) => {
    const h = cell(headValues[i] ?? '—');
    lines.push(
      baseValues === null ? `| ${name} | ${h} |` : `| ${name} | ${cell(baseValues[i] ?? '—')} | ${h} |`,
    );
  });
  return `${lines.join('\n')}\n`;
}
