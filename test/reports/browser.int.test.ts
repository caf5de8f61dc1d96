import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { compareResults } from '../../reports/compare.ts';
import { renderComparisonHtml } from '../../reports/compare-render.ts';
import { formatMetric } from '../../reports/format.ts';
import { findMetric } from '../../reports/metrics.ts';
import { renderMatrixReport, renderReport } from '../../reports/render.ts';
import { parseMaxRegression, parseThreshold } from '../../reports/thresholds.ts';
import type { RunResult } from '../../reports/types.ts';
import { makeMatrix, makeResult } from '../fixtures/make-result.ts';

/** Debian's chromium, which `npm run setup` installs; CACHEPROOF_CHROMIUM overrides it. */
const CHROMIUM = process.env.CACHEPROOF_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let browser: Browser;

before(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: run 'npm run setup' (it installs Debian's chromium)`,
    );
  }
  await mkdir(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
});

after(async () => {
  await browser?.close();
});

interface OpenedReport {
  page: Page;
  consoleErrors: string[];
  requests: string[];
  openMs: number;
  pageMs: number;
}

/** Writes `html` to test-artifacts/NAME.html and opens it from disk, recording errors and requests. */
async function openReport(name: string, html: string): Promise<OpenedReport> {
  const file = join(ARTIFACTS, `${name}.html`);
  await writeFile(file, html);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  page.on('request', (request) => requests.push(request.url()));
  const started = performance.now();
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  if (html.includes('id="cacheproof-data"')) {
    await page.waitForFunction('document.documentElement.dataset.chartsDrawn !== undefined', undefined, {
      timeout: 10_000,
    });
  }
  const openMs = performance.now() - started;
  // In-page clock: from the start of navigation to the charts drawn, without the browser's own start-up.
  const pageMs = Number(await page.evaluate<string>('document.documentElement.dataset.chartsDrawnMs'));
  return { page, consoleErrors, requests, openMs, pageMs };
}

/**
 * Runs in the page (a string because this tsconfig has no DOM types): per chart, its id,
 * the opaque pixels of its canvas and the pixels close to its first series' colour.
 */
const CHART_PIXELS = `(() => {
  const data = JSON.parse(document.getElementById('cacheproof-data').textContent);
  return data.charts.map((spec) => {
    const canvas = document.querySelector('[data-chart-id="' + spec.id + '"] canvas');
    if (canvas === null) return { id: spec.id, opaque: 0, seriesColored: 0 };
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    const hex = Number.parseInt(spec.series[0].color.slice(1), 16);
    const r = (hex >> 16) & 255, g = (hex >> 8) & 255, b = hex & 255;
    let opaque = 0;
    let seriesColored = 0;
    for (let i = 0; i < pixels.length; i += 4) {
      if (pixels[i + 3] === 0) continue;
      opaque++;
      if (Math.abs(pixels[i] - r) + Math.abs(pixels[i + 1] - g) + Math.abs(pixels[i + 2] - b) < 90) seriesColored++;
    }
    return { id: spec.id, opaque, seriesColored };
  });
})()`;

async function chartPixels(page: Page): Promise<{ id: string; opaque: number; seriesColored: number }[]> {
  return page.evaluate(CHART_PIXELS);
}

/** The headline cells of the page (optionally of one matrix row): metric → [data-value, text]. */
async function headline(page: Page, strategy?: string): Promise<Record<string, [string, string]>> {
  const scope = strategy === undefined ? '#headline' : `#headline tr[data-strategy="${strategy}"]`;
  return page.$$eval(`${scope} [data-metric]`, (cells) =>
    Object.fromEntries(
      cells.map((cell) => [
        cell.getAttribute('data-metric'),
        [cell.getAttribute('data-value'), cell.textContent],
      ]),
    ),
  );
}

function assertHeadlineMatches(
  cells: Record<string, [string, string]>,
  result: RunResult,
  names: string[],
): void {
  for (const name of names) {
    const metric = findMetric(name);
    assert.ok(metric, name);
    const cell = cells[name];
    assert.ok(cell, `no ${name} cell`);
    assert.equal(Number(cell[0]), metric.value(result), `${result.run.strategy} ${name} value`);
    assert.equal(cell[1], formatMetric(metric, metric.value(result)), `${result.run.strategy} ${name} text`);
  }
}

function assertOffline(opened: OpenedReport): void {
  assert.deepEqual(opened.consoleErrors, []);
  const outside = opened.requests.filter((url) => !url.startsWith('file:') && !url.startsWith('data:'));
  assert.deepEqual(outside, [], 'requests other than the file itself');
}

test('a 60 s run report opens offline, draws every chart and shows the result numbers', async (t) => {
  const result = makeResult({ strategy: 'write-behind', durationS: 60 });
  const html = renderReport(result);
  const opened = await openReport('report-run', html);
  t.diagnostic(
    `60 s run report: ${(Buffer.byteLength(html) / 1024).toFixed(0)} KiB, opened with charts drawn in ${opened.pageMs.toFixed(0)} ms (page clock), ${opened.openMs.toFixed(0)} ms wall`,
  );
  assertOffline(opened);
  const charts = await chartPixels(opened.page);
  assert.deepEqual(
    charts.map((c) => c.id),
    ['throughput', 'latency', 'stale-reads', 'visibility'],
  );
  for (const chart of charts) {
    assert.ok(chart.opaque > 0, `${chart.id}: empty canvas`);
    assert.ok(
      chart.seriesColored > 50,
      `${chart.id}: its first series was not drawn (${chart.seriesColored} pixels)`,
    );
  }
  assertHeadlineMatches(await headline(opened.page), result, [
    'goodput',
    'readP99Ms',
    'writeP99Ms',
    'staleReadRate',
    'staleReads',
    'divergentKeys',
    'lostWrites',
    'errors',
    'hitRatio',
  ]);
  await opened.page.screenshot({ path: join(ARTIFACTS, 'report-run.png'), fullPage: true });
  await opened.page.locator('#example-1').screenshot({ path: join(ARTIFACTS, 'report-run-example.png') });
  await opened.page.close();
});

test('a matrix report opens offline, draws its scatter and shows each strategy', async (t) => {
  const results = makeMatrix();
  const html = renderMatrixReport(results);
  const opened = await openReport('report-matrix', html);
  t.diagnostic(
    `matrix report: ${(Buffer.byteLength(html) / 1024).toFixed(0)} KiB, opened with charts drawn in ${opened.pageMs.toFixed(0)} ms (page clock), ${opened.openMs.toFixed(0)} ms wall`,
  );
  assertOffline(opened);
  const charts = await chartPixels(opened.page);
  assert.deepEqual(
    charts.map((c) => c.id),
    ['matrix-scatter', 'matrix-throughput'],
  );
  for (const chart of charts) {
    assert.ok(chart.opaque > 0, `${chart.id}: empty canvas`);
    assert.ok(
      chart.seriesColored > 20,
      `${chart.id}: its first series was not drawn (${chart.seriesColored} pixels)`,
    );
  }
  for (const result of results) {
    assertHeadlineMatches(await headline(opened.page, result.run.strategy), result, [
      'goodput',
      'staleReadRate',
      'divergentKeys',
      'lostWrites',
    ]);
  }
  await opened.page.screenshot({ path: join(ARTIFACTS, 'report-matrix.png'), fullPage: true });
  await opened.page.close();
});

test('the headline table is there without JavaScript', async () => {
  const result = makeResult({ durationS: 10 });
  const file = join(ARTIFACTS, 'report-nojs.html');
  await writeFile(file, renderReport(result));
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(pathToFileURL(file).href);
  assertHeadlineMatches(await headline(page), result, ['goodput', 'staleReadRate', 'lostWrites']);
  assert.equal(await page.locator('canvas').count(), 0);
  await context.close();
});

test('a comparison page opens offline and shows the crossed rule', async () => {
  const comparison = compareResults(makeMatrix(), makeMatrix({ staleFactor: 4, throughputFactor: 0.85 }), {
    thresholds: [parseThreshold('staleReadRate<=0.005')],
    maxRegressions: [parseMaxRegression('goodput=10%')],
  });
  const opened = await openReport(
    'compare',
    renderComparisonHtml(comparison, { base: 'base/', head: 'head/' }),
  );
  assertOffline(opened);
  const crossed = await opened.page.locator('#verdict li').allTextContents();
  assert.equal(crossed.length, comparison.crossings.length);
  assert.ok(
    crossed.some((line) => line.startsWith('delete-then-update: threshold staleReadRate<=0.005 crossed')),
  );
  await opened.page.screenshot({ path: join(ARTIFACTS, 'compare.png'), fullPage: true });
  await opened.page.close();
});

test('forged values never run a script: escaped by the renderer, and refused by the page policy if one slipped through', async () => {
  const nasty = '"><script>document.title="pwned"</script><img src=x onerror="document.title=\'pwned\'">';
  const forged = makeResult({ durationS: 10 });
  forged.run.strategy = nasty;
  forged.run.env.versions.redis = nasty;
  const comparison = compareResults(forged, forged, { thresholds: [parseThreshold('droppedOps<=0')] });
  for (const [name, page] of [
    ['forged-report', renderReport(forged)],
    ['forged-compare', renderComparisonHtml(comparison, { base: nasty, head: nasty })],
  ] as const) {
    const opened = await openReport(name, page);
    try {
      assert.notEqual(await opened.page.title(), 'pwned', name);
      assert.equal(
        await opened.page.locator('script:not([id])').count(),
        page.includes('cacheproof-data') ? 2 : 0,
      );
    } finally {
      await opened.page.close();
    }
  }
  // A renderer bug that let raw markup through: the policy lets only the page's own scripts run.
  const slipped = renderReport(forged).replace(
    '<main>',
    '<main><script>document.title="pwned"</script><img src=x onerror="document.title=\'pwned\'">',
  );
  const opened = await openReport('forged-slipped', slipped);
  try {
    assert.notEqual(await opened.page.title(), 'pwned');
    const pixels = await chartPixels(opened.page);
    assert.ok(
      pixels.length > 0 && pixels.every((chart) => chart.opaque > 0),
      "the page's own charts still draw",
    );
    assert.ok(
      opened.consoleErrors.some((e) => /Content Security Policy/i.test(e)),
      opened.consoleErrors.join('\n'),
    );
  } finally {
    await opened.page.close();
  }
});
