import type { MetricDefinition } from './metrics.ts';

/** An integer with thin grouping commas, independent of the viewer's locale. */
export function formatInteger(value: number): string {
  const rounded = Math.round(value);
  const sign = rounded < 0 ? '-' : '';
  return sign + String(Math.abs(rounded)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A decimal with `digits` fraction digits and grouped integer part. */
export function formatDecimal(value: number, digits: number): string {
  const [whole = '0', fraction] = Math.abs(value).toFixed(digits).split('.');
  const sign = value < 0 && Number(Math.abs(value).toFixed(digits)) !== 0 ? '-' : '';
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? sign + grouped : `${sign}${grouped}.${fraction}`;
}

/** Milliseconds with precision that suits their size: 0.123, 12.35, 1,234.6. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const abs = Math.abs(ms);
  return formatDecimal(ms, abs < 10 ? 3 : abs < 1000 ? 2 : 1);
}

/** A share as a percentage with three significant digits: tiny stale-read rates stay visible. */
export function formatPercent(share: number): string {
  if (!Number.isFinite(share)) return String(share);
  if (share === 0) return '0%';
  const percent = share * 100;
  const text = Math.abs(percent) >= 100 ? percent.toFixed(1) : String(Number(percent.toPrecision(3)));
  return `${text}%`;
}

/** A metric's value in its unit, as reports print it (`not measured` for null). */
export function formatMetric(metric: Pick<MetricDefinition, 'unit'>, value: number | null): string {
  if (value === null) return 'not measured';
  switch (metric.unit) {
    case 'ops/s':
      return `${value < 100 ? formatDecimal(value, 1) : formatInteger(value)} ops/s`;
    case 'ms':
      return `${formatMs(value)} ms`;
    case 'ratio':
      return formatPercent(value);
    case 'count':
      return formatInteger(value);
  }
}

/** A metric's number without its unit (a ratio as a percent number), for ranges. */
function formatBare(metric: Pick<MetricDefinition, 'unit'>, value: number): string {
  switch (metric.unit) {
    case 'ops/s':
      return value < 100 ? formatDecimal(value, 1) : formatInteger(value);
    case 'ms':
      return formatMs(value);
    case 'ratio':
      return formatPercent(value).replace(/%$/, '');
    case 'count':
      return Number.isInteger(value) ? formatInteger(value) : formatDecimal(value, 1);
  }
}

/**
 * A median with its interval, the unit once at the end: "1,234 [1,200–1,260] ops/s",
 * "1.210 [1.100–1.400] ms", "0.02 [0.01–0.03]%", "0 [0–0]"; `not measured` for null.
 */
export function formatMetricRange(
  metric: Pick<MetricDefinition, 'unit'>,
  value: number | null,
  lo: number | null,
  hi: number | null,
): string {
  if (value === null) return 'not measured';
  if (lo === null || hi === null) return formatMetric(metric, value);
  const unit =
    metric.unit === 'ops/s' ? ' ops/s' : metric.unit === 'ms' ? ' ms' : metric.unit === 'ratio' ? '%' : '';
  return `${formatBare(metric, value)} [${formatBare(metric, lo)}–${formatBare(metric, hi)}]${unit}`;
}
