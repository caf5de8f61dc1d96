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
import { type GridResult, planLabels, recommend, recommendationLines } from '../../reports/grid.ts';
import { renderGridReport } from '../../reports/grid-render.ts';
import { findMetric } from '../../reports/metrics.ts';
import { renderMatrixReport, renderReport } from '../../reports/render.ts';
import { parseMaxRegression, parseThreshold } from '../../reports/thresholds.ts';
import type { RunResult } from '../../reports/types.ts';
import { controlOf, verdictOf } from '../../reports/verdict.ts';
import { FIXTURE_STRATEGIES, makeMatrix, makeResult } from '../fixtures/make-result.ts';

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
async function openReport(name: string, html: string, width = 1280): Promise<OpenedReport> {
  const file = join(ARTIFACTS, `${name}.html`);
  await writeFile(file, html);
  const page = await browser.newPage({ viewport: { width, height: 900 } });
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

/** The two widths every page must fit: a wide desktop and a phone. */
const WIDTHS = [1440, 390] as const;

/** Runs in the page: how far the document is wider than the viewport (0 = no horizontal overflow). */
const OVERFLOW = '(() => document.documentElement.scrollWidth - window.innerWidth)()';

/**
 * Runs in the page: moves the mouse over the first time chart and reports where every other
 * synced chart's cursor line went (uPlot's sync moves them all), before and after.
 */
async function cursorShared(page: Page, ids: string[]): Promise<void> {
  const first = page.locator(`[data-chart-id="${ids[0]}"] .u-over`);
  await first.scrollIntoViewIfNeeded();
  const box = await first.boundingBox();
  assert.ok(box, 'first chart has a plot area');
  const cursorOf = (id: string) =>
    page.$eval(
      `[data-chart-id="${id}"] .u-cursor-x`,
      (el) =>
        (el as unknown as { style: { transform: string; left: string } }).style.transform ||
        (el as unknown as { style: { left: string } }).style.left,
    );
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
  const at30 = await Promise.all(ids.map(cursorOf));
  await page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2);
  const at70 = await Promise.all(ids.map(cursorOf));
  for (let i = 1; i < ids.length; i++) {
    assert.notEqual(at30[i], at70[i], `${ids[i]}: its cursor did not follow the one in ${ids[0]}`);
    assert.equal(at70[i], at70[0], `${ids[i]}: its cursor is not at the same x as in ${ids[0]}`);
  }
}

async function assertDrawn(page: Page, minimum = 20): Promise<string[]> {
  const charts = await chartPixels(page);
  for (const chart of charts) {
    assert.ok(chart.opaque > 0, `${chart.id}: empty canvas`);
    assert.ok(
      chart.seriesColored > minimum,
      `${chart.id}: its first series was not drawn (${chart.seriesColored} pixels)`,
    );
  }
  return charts.map((c) => c.id);
}

function fixtureGrid(): GridResult {
  const plans = planLabels(['calm', 'redis-latency']);
  const strategies = ['db-only', ...FIXTURE_STRATEGIES.filter((s) => s !== 'db-only')];
  const cells = strategies.map((strategy) => [
    makeResult({ strategy, withFault: false, durationS: 30 }),
    makeResult({ strategy, staleFactor: 3, throughputFactor: 0.8, durationS: 30 }),
  ]);
  return { seed: 1, strategies, plans, cells };
}

for (const width of WIDTHS) {
  test(`at ${width} px: the run report fits, draws every chart with one shared cursor, and its verdict says what the numbers say`, async (t) => {
    const matrix = makeMatrix();
    const control = controlOf(matrix);
    const result = matrix.find((r) => r.run.strategy === 'cache-aside') as RunResult;
    const html = renderReport(result, control);
    const opened = await openReport(`run-${width}`, html, width);
    t.diagnostic(
      `run report ${(Buffer.byteLength(html) / 1024).toFixed(0)} KiB, charts drawn at ${opened.pageMs.toFixed(0)} ms`,
    );
    assertOffline(opened);
    assert.equal(await opened.page.evaluate<number>(OVERFLOW), 0, 'horizontal overflow');
    assert.deepEqual(await assertDrawn(opened.page, 50), [
      'throughput',
      'latency',
      'stale-reads',
      'visibility',
    ]);
    await cursorShared(opened.page, ['throughput', 'latency', 'stale-reads']);
    const verdict = verdictOf(result, control);
    assert.equal(
      await opened.page.locator('#verdict-words .verdict-headline').textContent(),
      verdict.headline,
    );
    assert.deepEqual(await opened.page.locator('#verdict-words li').allTextContents(), [
      ...verdict.consistency,
      ...verdict.cost,
      ...verdict.faults,
    ]);
    assert.match((await opened.page.locator('#example-1 .cause').textContent()) ?? '', /^A read \(op 1001\)/);
    assert.equal(await opened.page.locator('#fault-windows tr[data-fault]').count(), 1);
    assert.match(
      (await opened.page.locator('#command-line').textContent()) ?? '',
      /^npm run bench -- --strategy all/,
    );
    await opened.page.screenshot({ path: join(ARTIFACTS, `run-${width}.png`), fullPage: true });
    await opened.page.locator('#example-1').screenshot({ path: join(ARTIFACTS, `run-example-${width}.png`) });
    await opened.page.close();
  });

  test(`at ${width} px: the grid report fits, draws every plan's chart, and its recommendation is the budget's`, async () => {
    const grid = fixtureGrid();
    const budget = [parseThreshold('staleReadRate<=0.0003'), parseThreshold('lostWrites==0')];
    const opened = await openReport(`grid-${width}`, renderGridReport(grid, budget), width);
    assertOffline(opened);
    assert.equal(await opened.page.evaluate<number>(OVERFLOW), 0, 'horizontal overflow');
    assert.deepEqual(await assertDrawn(opened.page), ['grid-throughput-0', 'grid-throughput-1']);
    await cursorShared(opened.page, ['grid-throughput-0', 'grid-throughput-1']);
    const lines = recommendationLines(grid, recommend(grid, budget)).map((l) => l.trim());
    assert.deepEqual(
      await opened.page.locator('#recommendation p, #recommendation li').allTextContents(),
      lines,
    );
    const cells = await opened.page.locator('#grid-table td.cell').count();
    assert.equal(cells, grid.strategies.length * grid.plans.length);
    const dbCell = opened.page.locator('td.cell[data-strategy="db-only"][data-plan="calm"]');
    assert.equal(await dbCell.getAttribute('data-tone'), 'good');
    assert.equal(
      Number(await dbCell.locator('[data-metric="goodput"]').getAttribute('data-value')),
      grid.cells[0]?.[0]?.throughput.goodput,
    );
    await opened.page.screenshot({ path: join(ARTIFACTS, `grid-${width}.png`), fullPage: true });
    await opened.page.close();
  });

  test(`at ${width} px: the compare page fits, overlays base and head with one cursor, and shows both verdicts`, async () => {
    const base = makeMatrix();
    const head = makeMatrix({ staleFactor: 4, throughputFactor: 0.85 });
    const comparison = compareResults(base, head, { thresholds: [parseThreshold('staleReadRate<=0.005')] });
    const opened = await openReport(
      `compare-${width}`,
      renderComparisonHtml(comparison, { base: 'base/', head: 'head/' }),
      width,
    );
    assertOffline(opened);
    assert.equal(await opened.page.evaluate<number>(OVERFLOW), 0, 'horizontal overflow');
    const ids = await assertDrawn(opened.page);
    assert.equal(ids.length, base.length * 2);
    await cursorShared(opened.page, ['compare-throughput-0', 'compare-latency-0']);
    const cacheAside = comparison.strategies.findIndex((s) => s.strategy === 'cache-aside');
    const pair = comparison.strategies[cacheAside];
    assert.ok(pair?.base && pair.head);
    assert.equal(
      await opened.page.locator(`#verdict-head-${cacheAside} .verdict-headline`).textContent(),
      verdictOf(pair.head, controlOf(head)).headline,
    );
    assert.equal(
      await opened.page.locator(`#verdict-base-${cacheAside} .verdict-headline`).textContent(),
      verdictOf(pair.base, controlOf(base)).headline,
    );
    await opened.page.screenshot({ path: join(ARTIFACTS, `compare-${width}.png`), fullPage: true });
    await opened.page.close();
  });
}

test('a 60 s report stays under 2 MB and draws its charts in under a second', async () => {
  const html = renderReport(makeResult({ strategy: 'write-behind', durationS: 60 }));
  assert.ok(Buffer.byteLength(html) < 2 * 1024 * 1024, `${Buffer.byteLength(html)} bytes`);
  const opened = await openReport('report-60s', html);
  assert.ok(opened.pageMs < 1000, `charts drawn at ${opened.pageMs} ms`);
  await opened.page.close();
});
