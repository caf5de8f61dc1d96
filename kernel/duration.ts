/**
 * The longest duration any option or plan entry may ask for: 24 hours. Node's timers hold at
 * most 2^31-1 ms (about 24.8 days) and fire at once, with a warning, beyond it; a bound well
 * inside keeps every phase, settle and fault window as long as it says.
 */
export const MAX_DURATION_MS = 24 * 3_600_000;
/** {@link MAX_DURATION_MS} as `--help` and the messages say it. */
export const MAX_DURATION_TEXT = '24h';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/**
 * Parses a duration such as `500ms`, `10s`, `1.5s`, `2m` or `1h` into milliseconds.
 * Returns undefined when the text is not a non-negative number followed by a unit.
 */
export function parseDuration(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text.trim());
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = UNIT_MS[match[2] ?? ''];
  if (unit === undefined || !Number.isFinite(amount)) return undefined;
  return Math.round(amount * unit);
}

/**
 * Formats milliseconds the way `--help`, the summaries and the reports show them, in the
 * syntax {@link parseDuration} reads: `2m`, `1.5s`, `500ms`, `12.345ms`.
 */
export function formatDuration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000) return `${Number((ms / 1000).toFixed(3))}s`;
  return `${Number(ms.toFixed(3))}ms`;
}
