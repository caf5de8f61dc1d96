import { PLAIN, type Style } from '../kernel/colour.ts';
import { formatDuration } from '../kernel/duration.ts';
import type { Comparison, ControlChange, MetricDelta, StrategyComparison } from './compare.ts';
import { html, joinHtml, type SafeHtml } from './escape.ts';
import { faultWindowTable } from './fault-table.ts';
import { formatMetric, formatMetricRange, formatMs } from './format.ts';
import { findMetric } from './metrics.ts';
import { type ChartSpec, chartSlot, renderPage } from './page.ts';
import { describeLoadModel, describeWorkload, faultBands, verdictWords } from './render.ts';
import type { RuleOutcome } from './thresholds.ts';
import type { LatencySummary, RunResult } from './types.ts';
import { CONTROL_STRATEGY, controlOf, verdictOf } from './verdict.ts';

const BASE_COLOR = '#718096';
const HEAD_COLOR = '#2b6cb0';

/** The settings of a run that decide its numbers, by name, for spotting what differs. */
function settingsOf(r: RunResult): [string, string][] {
  const run = r.run;
  return [
    ['strategy', run.strategy],
    [
      'strategy options',
      Object.entries(run.strategyConfig)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(', ') || 'defaults',
    ],
    ['workload', describeWorkload(r)],
    ['load model', describeLoadModel(r)],
    ['driver', run.driver],
    ['through Toxiproxy', run.viaProxy ? 'yes' : 'no'],
    ['duration', `${formatDuration(run.durationMs)} after ${formatDuration(run.warmupMs)} warm-up`],
    ['seed', String(run.seed)],
    ['cache TTL', `${run.ttlSeconds} s`],
    ['settle', formatDuration(run.settleMs)],
    [
      'faults',
      run.faults
        .map(
          (f) =>
            `${f.id} ${formatDuration(f.startMs)}–${f.healMs === null ? 'end' : formatDuration(f.healMs)} ${JSON.stringify(f.params)}`,
        )
        .join('; ') || 'none',
    ],
    ['environment', run.env.kind],
    ['commit', run.env.gitCommit ?? 'not recorded'],
    ['CPUs', run.env.cpus === undefined ? 'not recorded' : String(run.env.cpus)],
    ['load average at start', run.env.loadAverage?.map((l) => l.toFixed(2)).join(', ') ?? 'not recorded'],
    ...Object.entries(run.env.versions).map(([k, v]): [string, string] => [`${k} version`, v]),
  ];
}

/** The settings whose values differ between the two runs (all of them listed when asked). */
export function differingSettings(
  base: RunResult,
  head: RunResult,
): { name: string; base: string; head: string }[] {
  const b = new Map(settingsOf(base));
  const h = new Map(settingsOf(head));
  const names = [...new Set([...b.keys(), ...h.keys()])];
  return names
    .map((name) => ({ name, base: b.get(name) ?? 'absent', head: h.get(name) ?? 'absent' }))
    .filter((d) => d.base !== d.head);
}

function settingsDiff(base: RunResult, head: RunResult): SafeHtml {
  const diff = differingSettings(base, head);
  if (diff.length === 0) return html`<p class="muted">Every setting is the same in both runs.</p>`;
  return html`<div class="scroll"><table class="stack settings-diff"><thead><tr><th>setting that differs</th><th>base</th><th>head</th></tr></thead><tbody>${diff.map(
    (d) =>
      html`<tr><th scope="row">${d.name}</th><td data-label="base">${d.base}</td><td data-label="head">${d.head}</td></tr>`,
  )}</tbody></table></div>`;
}

function percentileTable(base: RunResult, head: RunResult): SafeHtml {
  const cols: [string, keyof LatencySummary][] = [
    ['p50', 'p50'],
    ['p90', 'p90'],
    ['p99', 'p99'],
    ['p99.9', 'p999'],
    ['max', 'max'],
    ['mean', 'mean'],
  ];
  const row = (label: string, b: LatencySummary, h: LatencySummary): SafeHtml =>
    html`<tr><th scope="row">${label}</th>${cols.map(([name, key]) => html`<td class="num" data-label="${name}">${formatMs(b[key])} → ${formatMs(h[key])}</td>`)}</tr>`;
  return html`<div class="scroll"><table class="stack percentiles"><thead><tr><th>ms, base → head</th>${cols.map(([name]) => html`<th class="num">${name}</th>`)}</tr></thead><tbody>${row('read (ok)', base.latency.read, head.latency.read)}${row('write (ok)', base.latency.write, head.latency.write)}${row('read (failed or unknown)', base.latency.failed.read, head.latency.failed.read)}${row('write (failed or unknown)', base.latency.failed.write, head.latency.failed.write)}</tbody></table></div>`;
}

/** Base and head overlaid on one time axis: ok ops/s, and read / write p99. */
function overlayCharts(i: number, base: RunResult, head: RunResult): ChartSpec[] {
  const length = Math.max(base.throughput.timeline.length, head.throughput.timeline.length);
  const x = Array.from({ length }, (_v, s) => s);
  const pick = (r: RunResult, f: (p: RunResult['throughput']['timeline'][number]) => number) =>
    x.map((s) => {
      const point = r.throughput.timeline[s];
      return point === undefined ? null : f(point);
    });
  const shared = {
    x,
    xLabel: 'second',
    sync: true,
    xMin: 0,
    xMax: Math.max(1, length - 1),
    bands: faultBands(head),
  };
  return [
    {
      ...shared,
      id: `compare-throughput-${i}`,
      yLabel: 'ok ops/s',
      series: [
        { label: 'head ok ops/s', color: HEAD_COLOR, style: 'line', values: pick(head, (p) => p.okOps) },
        { label: 'base ok ops/s', color: BASE_COLOR, style: 'line', values: pick(base, (p) => p.okOps) },
      ],
    },
    {
      ...shared,
      id: `compare-latency-${i}`,
      yLabel: 'p99 ms',
      series: [
        { label: 'head read p99', color: HEAD_COLOR, style: 'line', values: pick(head, (p) => p.readP99Ms) },
        { label: 'base read p99', color: BASE_COLOR, style: 'line', values: pick(base, (p) => p.readP99Ms) },
        { label: 'head write p99', color: '#c05621', style: 'line', values: pick(head, (p) => p.writeP99Ms) },
        { label: 'base write p99', color: '#dd9b6b', style: 'line', values: pick(base, (p) => p.writeP99Ms) },
      ],
    },
  ];
}

/** How many runs each side holds and how their intervals were made, when either was repeated. */
function repeatsNote(base: RunResult, head: RunResult): SafeHtml | '' {
  if (base.repeats === undefined && head.repeats === undefined) return '';
  const side = (r: RunResult): string =>
    r.repeats === undefined
      ? '1 run'
      : `${r.repeats.count} runs (figures below: run ${r.repeats.representative + 1}, the median goodput)`;
  return html`<p class="muted">Base: ${side(base)}; head: ${side(head)}. Values are medians over the runs, with their ${Math.round((head.repeats?.level ?? base.repeats?.level ?? 0.95) * 100)}% interval in brackets.</p>`;
}

/** What the two inputs were called on the command line. */
export interface ComparisonLabels {
  base: string;
  head: string;
}

/** A delta as words: "-11.1% (worse)", "+4% (better)", "no change". */
export function describeChange(delta: MetricDelta): {
  text: string;
  tone: 'worse' | 'better' | 'same' | 'missing';
} {
  if (delta.base === null || delta.head === null || delta.worseBy === null)
    return { text: '—', tone: 'missing' };
  if (delta.worseBy === 0) return { text: 'no change', tone: 'same' };
  const tone = delta.worseBy > 0 ? 'worse' : 'better';
  if (delta.base === 0) return { text: `from 0 (${tone})`, tone };
  const percent = ((delta.head - delta.base) / Math.abs(delta.base)) * 100;
  if (Math.abs(percent) < 0.01) return { text: `${percent > 0 ? '+' : '-'}<0.01% (${tone})`, tone };
  const rounded = Math.abs(percent) >= 10 ? percent.toFixed(1) : percent.toPrecision(2);
  return { text: `${percent > 0 ? '+' : ''}${Number(rounded)}% (${tone})`, tone };
}

/** db-only's change of the same metric, as words: "db-only -8.2%", "db-only no change". */
export function describeControl(control: ControlChange | undefined): string {
  if (control === undefined) return '';
  const change = describeChange({
    base: control.base,
    head: control.head,
    worseBy: control.worseBy,
  } as MetricDelta).text.replace(/ \((worse|better)\)$/, '');
  return `${CONTROL_STRATEGY} ${change}`;
}

/** The metrics of the one-row-per-strategy overview of a matrix comparison. */
const OVERVIEW_METRICS = ['goodput', 'readP99Ms', 'staleReadRate', 'divergentKeys', 'lostWrites'];

const overviewLabel = (name: string): string => findMetric(name)?.label ?? name;

function formatSide(delta: MetricDelta, value: number | null): string {
  return value === null ? '—' : formatMetric(delta.metric, value);
}

/** One side of a delta: the value, with its interval when the side was repeated. */
export function formatDeltaSide(delta: MetricDelta, side: 'base' | 'head'): string {
  const value = delta[side];
  const spread = side === 'base' ? delta.baseSpread : delta.headSpread;
  if (value === null) return '—';
  return spread === undefined
    ? formatMetric(delta.metric, value)
    : formatMetricRange(delta.metric, value, spread.lo, spread.hi);
}

/** "all 3 rule checks hold", "1 of 12 rule checks crossed". */
export function verdictLine(comparison: Comparison): string {
  const checks = comparison.rules.length;
  const crossed = comparison.crossings.length;
  if (crossed > 0) return `${crossed} of ${checks} rule check${checks === 1 ? '' : 's'} crossed`;
  if (checks === 0) return 'no thresholds or allowed regressions given';
  return checks === 1 ? 'the 1 rule check holds' : `all ${checks} rule checks hold`;
}

/** A pair's name: the strategy, and its plan when the comparison spans several. */
export function pairName(s: StrategyComparison): string {
  return s.label;
}

/** One rule outcome k6 style: "✓ goodput=25% goodput went from …". */
export function ruleLine(rule: RuleOutcome, style: Style = PLAIN): string {
  return `${rule.held ? style.good('✓') : style.bad('✗')} ${rule.rule}  ${rule.detail}`;
}

/**
 * The comparison as the terminal prints it: per pair, goodput and the stale-read rate base →
 * head (with their intervals, and db-only's change), then every rule that applied, ✓ held or
 * ✗ crossed, with the numbers, then the rules that applied to nothing and the verdict.
 * `style` colours the marks and the verdict (none by default).
 */
export function renderComparisonText(comparison: Comparison, style: Style = PLAIN): string {
  const lines: string[] = [];
  for (const d of comparison.differences) {
    lines.push(`settings differ: ${d.setting}: ${d.base} → ${d.head}`);
  }
  for (const s of comparison.strategies) {
    const note = sideNote(s);
    const summary = s.deltas
      .filter((d) => d.metric.name === 'goodput' || d.metric.name === 'staleReadRate')
      .map((d) => {
        const control = describeControl(d.control);
        return `${d.metric.label.toLowerCase()} ${formatDeltaSide(d, 'base')} → ${formatDeltaSide(d, 'head')} (${describeChange(d).text}${control === '' ? '' : `; ${control}`})`;
      });
    lines.push(`${pairName(s)}: ${note === '' ? summary.join(', ') : note}`);
  }
  if (comparison.rules.length > 0) {
    lines.push('rules');
    for (const s of comparison.strategies) {
      if (s.rules.length === 0) continue;
      lines.push(`  ${pairName(s)}`);
      for (const rule of s.rules) lines.push(`    ${ruleLine(rule, style)}`);
    }
  }
  for (const rule of comparison.unmatched)
    lines.push(`· ${rule}: applies to no result here (no strategy or plan of that name)`);
  const verdict = verdictLine(comparison);
  lines.push(`compare: ${comparison.crossings.length > 0 ? style.bad(verdict) : style.good(verdict)}`);
  return `${lines.join('\n')}\n`;
}

/** The comparison as data (`npm run compare -- --json`): every pair's numbers and every rule, held or crossed. */
export function comparisonJson(comparison: Comparison, labels: ComparisonLabels): unknown {
  const spread = (s: MetricDelta['baseSpread']) =>
    s === undefined ? null : { lo: s.lo, hi: s.hi, method: s.method, runs: s.values.length };
  return {
    format: 1,
    base: labels.base,
    head: labels.head,
    passed: comparison.crossings.length === 0,
    verdict: verdictLine(comparison),
    differences: comparison.differences,
    unmatched: comparison.unmatched,
    pairs: comparison.strategies.map((s) => ({
      strategy: s.strategy,
      plan: s.plan,
      base: s.base === null ? null : { id: s.base.run.id, runs: s.base.repeats?.count ?? 1 },
      head: s.head === null ? null : { id: s.head.run.id, runs: s.head.repeats?.count ?? 1 },
      metrics: s.deltas.map((d) => ({
        metric: d.metric.name,
        base: d.base,
        head: d.head,
        baseInterval: spread(d.baseSpread),
        headInterval: spread(d.headSpread),
        worseBy: Number.isFinite(d.worseBy) ? d.worseBy : null,
        worsePercent: d.worsePercent !== null && Number.isFinite(d.worsePercent) ? d.worsePercent : null,
        control:
          d.control === undefined
            ? null
            : {
                strategy: CONTROL_STRATEGY,
                worsePercent:
                  d.control.worsePercent !== null && Number.isFinite(d.control.worsePercent)
                    ? d.control.worsePercent
                    : null,
              },
      })),
      rules: s.rules.map((r) => ({
        rule: r.rule,
        kind: r.kind,
        metric: r.metric,
        held: r.held,
        base: r.base ?? null,
        head: r.actual,
        detail: r.detail,
        noise: r.noise ?? null,
      })),
    })),
  };
}

function sideNote(s: StrategyComparison): string {
  if (s.base === null) return 'only in head';
  if (s.head === null) return 'only in base';
  return '';
}

/** Escapes text for a Markdown table cell (GitHub renders inline HTML, so `<` too). */
function markdownCell(text: string): string {
  return text
    .replace(/[\\|`*_[\]<>]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : `\\${c}`))
    .replace(/\r?\n/g, ' ');
}

function markdownTable(s: StrategyComparison): string {
  const withControl = s.deltas.some((d) => d.control !== undefined);
  const rows = s.deltas.map((d) => {
    const change = describeChange(d);
    const mark = d.crossed ? ' ❌' : '';
    const control = withControl ? ` ${markdownCell(describeControl(d.control) || '—')} |` : '';
    return `| ${d.metric.label}${mark} | ${markdownCell(formatDeltaSide(d, 'base'))} | ${markdownCell(formatDeltaSide(d, 'head'))} | ${change.text} |${control}`;
  });
  const header = withControl
    ? ['| metric | base | head | change | noise control |', '|---|---:|---:|---|---|']
    : ['| metric | base | head | change |', '|---|---:|---:|---|'];
  return [...header, ...rows].join('\n');
}

/** Every rule of every pair, ✅ held or ❌ crossed, with the numbers. */
function markdownRules(comparison: Comparison): string[] {
  if (comparison.rules.length === 0) return [];
  const lines = ['### Rules', ''];
  for (const s of comparison.strategies) {
    for (const rule of s.rules) {
      lines.push(
        `- ${rule.held ? '✅' : '❌'} **${markdownCell(pairName(s))}** \`${rule.rule.replace(/`/g, "'")}\`: ${markdownCell(rule.detail)}`,
      );
    }
  }
  for (const rule of comparison.unmatched)
    lines.push(`- ⚠️ \`${rule.replace(/`/g, "'")}\` applies to no result here`);
  lines.push('');
  return lines;
}

/**
 * The comparison as GitHub-flavoured Markdown for a CI job summary: the verdict, the
 * crossed rules, an overview per strategy, then each strategy's metrics.
 */
export function renderComparisonMarkdown(comparison: Comparison, labels: ComparisonLabels): string {
  const failed = comparison.crossings.length > 0;
  const lines = [
    `## cacheproof: ${markdownCell(labels.head)} against ${markdownCell(labels.base)}`,
    '',
    `${failed ? '❌' : '✅'} **${verdictLine(comparison)}**`,
    '',
  ];
  if (failed) {
    for (const c of comparison.crossings) {
      const rule = `${c.kind === 'threshold' ? 'threshold' : 'max regression'} \`${c.rule.replace(/`/g, "'")}\``;
      lines.push(`- **${markdownCell(c.strategy)}**: ${rule} crossed: ${markdownCell(c.detail)}`);
    }
    lines.push('');
  }
  if (comparison.differences.length > 0) {
    lines.push('Settings that differ (compared anyway):', '');
    for (const d of comparison.differences) {
      lines.push(`- ${markdownCell(d.setting)}: ${markdownCell(d.base)} → ${markdownCell(d.head)}`);
    }
    lines.push('');
  }
  lines.push(...markdownRules(comparison));
  if (comparison.strategies.length > 1) {
    lines.push(
      `| strategy | ${OVERVIEW_METRICS.map(overviewLabel).join(' | ')} | rules |`,
      `|---|${OVERVIEW_METRICS.map(() => '---:|').join('')}---|`,
    );
    for (const s of comparison.strategies) {
      const cell = (name: string): string => {
        const d = s.deltas.find((x) => x.metric.name === name);
        return d === undefined ? '—' : `${formatSide(d, d.base)} → ${formatSide(d, d.head)}`;
      };
      const rules = s.crossings.length > 0 ? `❌ ${s.crossings.length} crossed` : sideNote(s) || '✅';
      lines.push(`| ${markdownCell(pairName(s))} | ${OVERVIEW_METRICS.map(cell).join(' | ')} | ${rules} |`);
    }
    lines.push('');
  }
  for (const s of comparison.strategies) {
    const note = sideNote(s);
    if (comparison.strategies.length > 1) {
      lines.push(
        `<details${s.crossings.length > 0 ? ' open' : ''}><summary>${markdownCell(pairName(s))}${note === '' ? '' : ` (${note})`}</summary>`,
        '',
      );
    } else if (note !== '') {
      lines.push(`_${note}_`, '');
    }
    lines.push(markdownTable(s), '');
    if (comparison.strategies.length > 1) lines.push('</details>', '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

function htmlTable(s: StrategyComparison): SafeHtml {
  const withControl = s.deltas.some((d) => d.control !== undefined);
  const rows = s.deltas.map((d) => {
    const change = describeChange(d);
    const tone =
      change.tone === 'worse' ? html` class="crossed"` : change.tone === 'better' ? html` class="best"` : '';
    const control = withControl ? html`<td class="num muted">${describeControl(d.control) || '—'}</td>` : '';
    return html`<tr${d.crossed ? html` data-crossed="true"` : ''}><th scope="row">${d.metric.label}${d.crossed ? html` <span class="badge bad">crossed</span>` : ''}</th><td class="num" data-metric="${d.metric.name}" data-side="base" data-value="${d.base ?? ''}">${formatDeltaSide(d, 'base')}</td><td class="num" data-metric="${d.metric.name}" data-side="head" data-value="${d.head ?? ''}">${formatDeltaSide(d, 'head')}</td><td class="num"><span${tone}>${change.text}</span></td>${control}</tr>`;
  });
  return html`<table><thead><tr><th>metric</th><th class="num">base</th><th class="num">head</th><th class="num">change</th>${withControl ? html`<th class="num">noise control</th>` : ''}</tr></thead><tbody>${rows}</tbody></table>`;
}

/** The rules of a pair, ✓ held or ✗ crossed, with the numbers. */
function htmlRules(s: StrategyComparison): SafeHtml | '' {
  if (s.rules.length === 0) return '';
  return html`<h3>Rules</h3><ul class="rules">${s.rules.map(
    (r) =>
      html`<li class="${r.held ? 'held' : 'crossed'}" data-held="${String(r.held)}">${r.held ? '✓' : '✗'} <code>${r.rule}</code> ${r.detail}</li>`,
  )}</ul>`;
}

/**
 * The comparison as a self-contained HTML page (no requests): the crossed rules, then per
 * strategy the metrics, both verdicts side by side, base and head overlaid over time, the
 * settings that differ, every latency percentile and the fault windows.
 */
export function renderComparisonHtml(comparison: Comparison, labels: ComparisonLabels): string {
  const failed = comparison.crossings.length > 0;
  const crossings = failed
    ? html`<ul>${comparison.crossings.map((c) => html`<li class="crossed">${c.message}</li>`)}</ul>`
    : '';
  const rules = [
    ...comparison.thresholds.map((t) => t.text),
    ...comparison.maxRegressions.map((r) => `max regression ${r.text}`),
  ];
  const baseControl = controlOf(comparison.strategies.flatMap((s) => (s.base === null ? [] : [s.base])));
  const headControl = controlOf(comparison.strategies.flatMap((s) => (s.head === null ? [] : [s.head])));
  const charts = comparison.strategies.flatMap((s, i) =>
    s.base === null || s.head === null ? [] : overlayCharts(i, s.base, s.head),
  );
  const sections = joinHtml(
    comparison.strategies.map((s, i) => {
      const note = sideNote(s);
      const runs = joinHtml(
        [s.base, s.head].flatMap((r, i) =>
          r === null
            ? []
            : [
                html`${i === 0 ? 'base' : 'head'} run <span class="mono">${r.run.id}</span> (seed ${r.run.seed})`,
              ],
        ),
        ' · ',
      );
      const both =
        s.base === null || s.head === null
          ? ''
          : html`<h3>Verdicts</h3><div class="side-by-side"><div><h4>base</h4>${verdictWords(verdictOf(s.base, baseControl), `verdict-base-${i}`)}</div><div><h4>head</h4>${verdictWords(verdictOf(s.head, headControl), `verdict-head-${i}`)}</div></div>
<h3>Over time</h3>
${chartSlot(`compare-throughput-${i}`, "Ok operations per second, head against base; shaded: the head run's fault windows. The charts share one cursor.")}
${chartSlot(`compare-latency-${i}`, 'p99 latency per second of ok reads and writes, head against base.')}
<h3>Settings that differ</h3>${settingsDiff(s.base, s.head)}
${repeatsNote(s.base, s.head)}
<h3>Every percentile</h3>${percentileTable(s.base, s.head)}
${s.head.run.faults.length === 0 && s.base.run.faults.length === 0 ? '' : html`<h3>Fault windows: base</h3>${faultWindowTable(s.base) || html`<p class="muted">none</p>`}<h3>Fault windows: head</h3>${faultWindowTable(s.head) || html`<p class="muted">none</p>`}`}`;
      return html`<section data-strategy="${s.strategy}" data-plan="${s.plan}"><h2>${pairName(s)}${note === '' ? '' : html` <span class="badge warn">${note}</span>`}${s.crossings.length > 0 ? html` <span class="badge bad">crossed</span>` : ''}</h2><p class="muted">${runs}</p><div class="scroll">${htmlTable(s)}</div>${htmlRules(s)}${both}</section>`;
    }),
    '\n',
  );
  const overview =
    comparison.strategies.length < 2
      ? ''
      : html`<section id="overview"><h2>Overview</h2><div class="scroll"><table><thead><tr><th>strategy</th>${OVERVIEW_METRICS.map((name) => html`<th class="num">${overviewLabel(name)}</th>`)}<th>rules</th></tr></thead><tbody>${comparison.strategies.map(
          (s) => {
            const cells = OVERVIEW_METRICS.map((name) => {
              const d = s.deltas.find((x) => x.metric.name === name);
              return html`<td class="num">${d === undefined ? '—' : `${formatSide(d, d.base)} → ${formatSide(d, d.head)}`}</td>`;
            });
            const rules =
              s.crossings.length > 0
                ? html`<span class="badge bad">${s.crossings.length} crossed</span>`
                : sideNote(s) || 'hold';
            return html`<tr><th scope="row">${s.strategy}</th>${cells}<td>${rules}</td></tr>`;
          },
        )}</tbody></table></div></section>`;
  const body = html`<header>
<h1>cacheproof: comparison</h1>
<p class="subtitle">base <span class="mono">${labels.base}</span> · head <span class="mono">${labels.head}</span></p>
</header>
<section id="verdict"><h2>${failed ? html`<span class="badge bad">failed</span>` : html`<span class="badge good">passed</span>`} ${verdictLine(comparison)}</h2>
${crossings}
${
  comparison.differences.length === 0
    ? ''
    : html`<p class="banner">Base and head ran with different settings, compared anyway: ${joinHtml(
        comparison.differences.map((d) => html`${d.setting} ${d.base} → ${d.head}`),
        '; ',
      )}.</p>`
}
${
  comparison.unmatched.length === 0
    ? ''
    : html`<p class="muted">Rules that apply to no result here: ${joinHtml(
        comparison.unmatched.map((r) => html`<code>${r}</code>`),
        ', ',
      )}.</p>`
}
<p class="muted">${
    rules.length === 0
      ? 'No rules given.'
      : html`Rules: ${joinHtml(
          rules.map((r) => html`<code>${r}</code>`),
          ', ',
        )}`
  }</p></section>
${overview}
${sections}`;
  return renderPage(`cacheproof: ${labels.head} against ${labels.base}`, body, charts);
}
