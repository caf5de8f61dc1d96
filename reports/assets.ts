import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The chart library's code and style, and the report's own chart code, to be inlined. */
export interface ChartAssets {
  script: string;
  css: string;
  /** reports/report-charts.js: builds the charts from the page's embedded data. */
  charts: string;
}

let cached: ChartAssets | undefined;

/**
 * uPlot's browser build and stylesheet from node_modules and the report's chart code, read
 * once per process. Reports inline them so they open with no network at all. A `</script`
 * inside the code would end the element early, so it is broken up (it cannot occur in
 * valid code outside strings).
 */
export function chartAssets(): ChartAssets {
  if (cached === undefined) {
    const require = createRequire(import.meta.url);
    const dist = (file: string): string => readFileSync(require.resolve(`uplot/dist/${file}`), 'utf8');
    cached = {
      script: dist('uPlot.iife.min.js').replace(/<\/script/gi, '<\\/script'),
      css: dist('uPlot.min.css').replace(/<\/style/gi, '<\\/style'),
      charts: readFileSync(new URL('./report-charts.js', import.meta.url), 'utf8').replace(
        /<\/script/gi,
        '<\\/script',
      ),
    };
  }
  return cached;
}
