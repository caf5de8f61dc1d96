import { formatTextTable } from '../../kernel/index.ts';
import { html, joinHtml, type SafeHtml } from '../../reports/escape.ts';
import { describeStep, renderExample } from '../../reports/example-timeline.ts';
import { renderPage } from '../../reports/page.ts';
import type { AnomalyKind, ExplorationResult, Participant, ScheduleStep } from './types.ts';

/** What each anomaly kind means, in one line (the checker's definitions). */
export const ANOMALY_MEANINGS: Record<AnomalyKind, string> = {
  'stale-read': 'a read returned an older version than a write acknowledged before the read began',
  'stale-cache': 'the cache was left holding a version older than MySQL (divergent key, cache older)',
  'cache-newer': 'the cache was left holding a version MySQL never got (divergent key, cache newer)',
  'lost-write': 'an acknowledged write whose version is above MySQL’s final version',
};

/** The pattern × scenario table: schedules explored, schedules with an anomaly, anomaly kinds. */
export function formatExploreTable(results: readonly ExplorationResult[]): string {
  return formatTextTable(
    ['strategy', 'scenario', 'schedules', 'with anomaly', 'outcomes', 'anomaly kinds'],
    results.map((r) => [
      strategyLabel(r),
      r.scenario,
      String(r.schedules),
      String(r.schedulesWithAnomaly),
      String(r.outcomes.length),
      anomalyKinds(r),
    ]),
  );
}

/** The strategy with the options it was explored with: `tag-as-deleted consistency=weak`. */
export function strategyLabel(r: Pick<ExplorationResult, 'strategy' | 'options'>): string {
  const options = Object.entries(r.options ?? {}).map(([name, value]) => `${name}=${value}`);
  return [r.strategy, ...options].join(' ');
}

/** The anomaly kinds found, `-` for none, or why the scenario was not explored. */
function anomalyKinds(r: ExplorationResult): string {
  if (r.tooLarge !== undefined)
    return `not explored: ${r.tooLarge.replace(/^scenario '[^']*' with \S+ /, '')}`;
  return r.shortestByAnomaly.length === 0 ? '-' : r.shortestByAnomaly.map((a) => a.kind).join(', ');
}

/** One schedule step as a reader says it: `op2 read: cache GET: miss; DB read v1 → held at after-db-read`. */
export function describeScheduleStep(participants: readonly Participant[], step: ScheduleStep): string {
  const who = participants[step.participant]?.label ?? `participant ${step.participant}`;
  const did = step.actions.map((a) => describeStep(a)).join('; ');
  const where = /^(after|before)-/.test(step.endedAt) ? `held at ${step.endedAt}` : step.endedAt;
  return `${who}: ${did === '' ? '' : `${did} → `}${where}`;
}

/** A schedule as numbered lines. */
export function formatSchedule(
  participants: readonly Participant[],
  steps: readonly ScheduleStep[],
): string[] {
  return steps.map((step, i) => `${String(i + 1).padStart(3)}. ${describeScheduleStep(participants, step)}`);
}

/** Per anomaly: its shortest schedule as a step list, with the outcome it leads to (returned, not printed). */
export function formatAnomalySchedules(results: readonly ExplorationResult[]): string {
  const blocks: string[] = [];
  for (const r of results) {
    for (const anomaly of r.shortestByAnomaly) {
      const outcome = r.outcomes[anomaly.outcome];
      blocks.push(
        [
          `${strategyLabel(r)} / ${r.scenario}: ${anomaly.kind} — shortest of ${r.schedulesWithAnomaly} anomalous schedule(s), ${anomaly.steps.length} steps`,
          ...formatSchedule(r.participants, anomaly.steps),
          `     outcome: ${outcome?.signature ?? '?'}`,
        ].join('\n'),
      );
    }
  }
  return blocks.join('\n\n');
}

const EXAMPLE_KIND: Record<AnomalyKind, string> = {
  'stale-read': 'stale-read',
  'stale-cache': 'divergent-key',
  'cache-newer': 'divergent-key',
  'lost-write': 'lost-write',
};

/**
 * A self-contained HTML page: the table, then for each anomaly its shortest schedule as a
 * step list and the checker's worked example of it drawn by the report's timeline (one ms
 * on its axis is one schedule step: the explorer's clock is logical).
 */
export function renderExplorePage(results: readonly ExplorationResult[]): string {
  const rows = results.map(
    (r) =>
      html`<tr><td>${strategyLabel(r)}</td><td>${r.scenario}</td><td class="num">${r.schedules}</td><td class="num">${r.schedulesWithAnomaly}</td><td class="num">${r.outcomes.length}</td><td>${anomalyKinds(r)}</td></tr>`,
  );
  const sections: SafeHtml[] = [];
  let index = 0;
  for (const r of results) {
    for (const anomaly of r.shortestByAnomaly) {
      const outcome = r.outcomes[anomaly.outcome];
      const example = outcome?.outcome.examples.find((e) => e.kind === EXAMPLE_KIND[anomaly.kind]);
      const steps = formatSchedule(r.participants, anomaly.steps).map(
        (line) => html`<li>${line.replace(/^\s*\d+\.\s/, '')}</li>`,
      );
      sections.push(html`<section>
<h2>${`${strategyLabel(r)} / ${r.scenario}: ${anomaly.kind}`}</h2>
<p>${ANOMALY_MEANINGS[anomaly.kind]}. Shortest schedule (${anomaly.steps.length} steps) of the ${r.schedulesWithAnomaly} anomalous ones out of ${r.schedules}; outcome: ${outcome?.signature ?? '?'}.</p>
<ol>${steps}</ol>
${example === undefined ? '' : renderExample(example, index++)}
</section>`);
    }
  }
  const body = html`<h1>cacheproof explore</h1>
<p>Every schedule of a few operations on one key, run step by step against the real servers (one step = an operation's commands from one pause point to the next). Times on the timelines are logical: one ms per step.</p>
<table><thead><tr><th>strategy</th><th>scenario</th><th class="num">schedules</th><th class="num">with anomaly</th><th class="num">outcomes</th><th>anomaly kinds</th></tr></thead><tbody>${rows}</tbody></table>
${joinHtml(sections, '\n')}`;
  return renderPage('cacheproof explore', body, []);
}
