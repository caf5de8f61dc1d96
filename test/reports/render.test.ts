import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { compareResults } from '../../reports/compare.ts';
import { renderComparisonHtml } from '../../reports/compare-render.ts';
import { formatMetric } from '../../reports/format.ts';
import { findMetric, HEADLINE_METRICS } from '../../reports/metrics.ts';
import { renderMatrixReport, renderReport } from '../../reports/render.ts';
import { makeMatrix, makeResult } from '../fixtures/make-result.ts';

const HOSTILE = `"><script>alert(1)</script><img src=x onerror=alert(2)>'&`;

/** The headline table's cells: metric name → [data-value, text]. */
function headlineCells(html: string, strategy?: string): Map<string, [string, string]> {
  let scope = html;
  if (strategy !== undefined) {
    const start = html.indexOf(`<tr data-strategy="${strategy}">`);
    assert.ok(start >= 0, `no row for ${strategy}`);
    scope = html.slice(start, html.indexOf('</tr>', start));
  } else {
    scope = html.slice(
      html.indexOf('<table class="headline'),
      html.indexOf('</table>', html.indexOf('<table class="headline')),
    );
  }
  const cells = new Map<string, [string, string]>();
  for (const m of scope.matchAll(/data-metric="([^"]+)" data-value="([^"]*)">([^<]*)</g)) {
    cells.set(m[1] as string, [m[2] as string, m[3] as string]);
  }
  return cells;
}

test('the headline table shows the numbers of the result, exactly and formatted', () => {
  const result = makeResult();
  const cells = headlineCells(renderReport(result));
  assert.deepEqual([...cells.keys()], HEADLINE_METRICS);
  for (const name of HEADLINE_METRICS) {
    const metric = findMetric(name);
    assert.ok(metric);
    const [value, text] = cells.get(name) as [string, string];
    assert.equal(Number(value), metric.value(result), name);
    assert.equal(text, formatMetric(metric, metric.value(result)), name);
  }
  assert.equal(Number(cells.get('staleReads')?.[0]), result.consistency.staleReads);
  assert.equal(cells.get('goodput')?.[1], '12,370 ops/s');
  assert.equal(cells.get('staleReadRate')?.[1], '0.034%');
});

test('the report has every section, its charts and the worked examples as timelines', () => {
  const html = renderReport(makeResult({ strategy: 'write-behind' }));
  for (const id of [
    'verdict',
    'throughput-section',
    'latency-section',
    'stale-reads-section',
    'visibility-section',
    'anomalies',
    'settings',
  ]) {
    assert.match(html, new RegExp(`<section id="${id}">`));
  }
  for (const chart of ['throughput', 'latency', 'stale-reads', 'visibility']) {
    assert.match(html, new RegExp(`data-chart-id="${chart}"`));
  }
  assert.equal(
    html.match(/<svg /g)?.length,
    3,
    'one timeline per example: stale read, divergent key, lost write',
  );
  assert.match(html, /cache SET v4/);
  assert.match(html, /queue push v12/);
  assert.match(html, /redis-latency on redis: 20s → 35s/);
});

test('hostile labels are escaped everywhere and cannot open a script', () => {
  const html = renderReport(makeResult({ hostileLabels: HOSTILE }));
  assert.ok(!html.includes('<img src=x'), 'raw img tag in output');
  assert.ok(!html.includes('<script>alert'), 'raw script tag in output');
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'escaped label missing');
  // Exactly the page's own three scripts: data, uPlot, chart code.
  assert.equal(html.match(/<script/g)?.length, 3);
  assert.equal(html.match(/<\/script>/g)?.length, 3);
  const data = html.slice(html.indexOf('id="cacheproof-data">'), html.indexOf('</script>'));
  assert.match(data, /\\u003cscript\\u003ealert\(1\)\\u003c\/script\\u003e/);

  const matrix = renderMatrixReport(makeMatrix({ hostileLabels: HOSTILE }));
  assert.ok(!matrix.includes('<img src=x'));
  assert.equal(matrix.match(/<script/g)?.length, 3);
});

test('reports reference nothing outside themselves', () => {
  for (const html of [renderReport(makeResult()), renderMatrixReport(makeMatrix())]) {
    assert.doesNotMatch(html, /\b(?:src|href|action|srcset|poster|data)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    assert.doesNotMatch(html, /url\(\s*["']?(?:https?:)?\/\//i);
    assert.doesNotMatch(html, /@import/);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  }
});

test('the report of a 60 s run is well under 2 MB', () => {
  const html = renderReport(makeResult({ durationS: 60 }));
  const bytes = Buffer.byteLength(html);
  assert.ok(bytes < 2 * 1024 * 1024, `${bytes} bytes`);
  const long = Buffer.byteLength(renderReport(makeResult({ durationS: 3600 })));
  assert.ok(long < 2 * 1024 * 1024, `an hour-long run: ${long} bytes`);
});

test('the matrix report puts each strategy in a row with its own numbers and marks the best', () => {
  const results = makeMatrix();
  const html = renderMatrixReport(results);
  for (const result of results) {
    const cells = headlineCells(html, result.run.strategy);
    assert.equal(Number(cells.get('goodput')?.[0]), result.throughput.goodput);
    assert.equal(Number(cells.get('staleReadRate')?.[0]), result.consistency.staleReadRate);
    assert.equal(Number(cells.get('lostWrites')?.[0]), result.consistency.lostWrites);
  }
  assert.match(html, /data-chart-id="matrix-scatter"/);
  // write-behind is the fastest fixture but lost writes: it is never the best at speed. The
  // fastest of the others is marked instead.
  const writeBehind = results.find((r) => r.run.strategy === 'write-behind');
  assert.ok(writeBehind && (writeBehind.consistency.lostWrites ?? 0) > 0);
  assert.doesNotMatch(
    html,
    new RegExp(`class="num best" data-metric="goodput" data-value="${writeBehind.throughput.goodput}"`),
  );
  const fastestKept = Math.max(...results.filter((r) => r !== writeBehind).map((r) => r.throughput.goodput));
  assert.match(html, new RegExp(`<td class="num best" data-metric="goodput" data-value="${fastestKept}">`));
  // db-only is the only one without stale reads.
  assert.match(html, /<td class="num best" data-metric="staleReadRate" data-value="0">/);
});

test('a run without anomalies or faults says so instead of drawing empty examples', () => {
  const html = renderReport(makeResult({ strategy: 'db-only', withFault: false, durationS: 5 }));
  assert.match(html, /<span class="badge good">no anomalies<\/span>/);
  assert.match(html, /No anomaly to explain/);
  assert.match(html, /No faults were injected/);
  assert.equal(html.match(/<svg /g), null);
});

test('a run driven over HTTP also shows the client-side figures', () => {
  const result = makeResult({ http: true, durationS: 10 });
  const html = renderReport(result);
  assert.match(html, /Measured by the HTTP client \(autocannon\)/);
  assert.match(html, /<td class="num">2\.000 \/ 9\.000 \/ 61\.00 \/ 230\.00 ms<\/td>/);
  assert.doesNotMatch(renderReport(makeResult({ durationS: 10 })), /id="http-figures"/);
});

test("the page policy lets exactly the page's own inline scripts run, by hash", () => {
  const comparison = renderComparisonHtml(compareResults(makeResult(), makeResult()), {
    base: 'a',
    head: 'b',
  });
  for (const page of [renderReport(makeResult()), renderMatrixReport(makeMatrix()), comparison]) {
    const policy = /Content-Security-Policy" content="([^"]*)"/.exec(page)?.[1] ?? '';
    const scriptSrc = /script-src ([^;]*)/.exec(policy)?.[1] ?? '';
    assert.doesNotMatch(scriptSrc, /unsafe-inline|unsafe-eval/);
    const scripts = [...page.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1] ?? '');
    const hashes = scripts.map((code) => `'sha256-${createHash('sha256').update(code).digest('base64')}'`);
    assert.equal(scriptSrc, hashes.length === 0 ? "'none'" : hashes.join(' '));
  }
});

test('the interrupted banner says which step the interrupt cut', () => {
  const result = makeResult();
  const drained = renderReport({
    ...result,
    run: { ...result.run, interrupted: true, interruptedDuring: 'drain' },
  });
  assert.match(drained, /class="banner">This run was interrupted while the strategy drained/);
  // A result written before the step was recorded reads as cut during the load.
  const older = renderReport({ ...result, run: { ...result.run, interrupted: true } });
  assert.match(older, /interrupted during the load: the numbers cover only the part that ran/);
  assert.doesNotMatch(renderReport(result), /This run was interrupted/);
});

test('an interrupted matrix says it is partial and names what was cut and not run', () => {
  const [first, ...rest] = makeMatrix();
  assert.ok(first);
  const cut = { ...first, run: { ...first.run, interrupted: true, interruptedDuring: 'load' as const } };
  const html = renderMatrixReport([cut], ['write-through', 'lease']);
  assert.match(
    html,
    new RegExp(
      `interrupted and is partial \\(cut short: ${first.run.strategy}; not run: write-through, lease\\)`,
    ),
  );
  assert.doesNotMatch(renderMatrixReport([first, ...rest]), /is partial/);
});
