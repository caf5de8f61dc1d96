import { type MaxRegression, parseMaxRegression, parseThreshold, type Threshold } from './thresholds.ts';

/** A rule compare applies when none is given, and why it is there. */
export interface DefaultRule {
  kind: 'threshold' | 'regression';
  text: string;
  why: string;
}

/**
 * The rules `npm run compare` applies when given none (`--threshold` / `--max-regression`
 * replace them all). Regressions fire only beyond the noise (reports/noise.ts).
 */
export const DEFAULT_RULES: readonly DefaultRule[] = [
  { kind: 'threshold', text: 'lostWrites==0', why: 'no acknowledged write may go missing from MySQL' },
  {
    kind: 'threshold',
    text: 'write-behind@redis-crash:lostWrites>=0',
    why: 'except write-behind under a Redis crash: it acknowledges before MySQL has the write, so the crash loses its queue by design (reported, not judged)',
  },
  { kind: 'regression', text: 'goodput=25%', why: 'ok operations per second may fall by at most a quarter' },
  { kind: 'regression', text: 'readP99Ms=50%', why: 'read p99 may grow by at most half' },
  { kind: 'regression', text: 'writeP99Ms=50%', why: 'write p99 may grow by at most half' },
  {
    kind: 'regression',
    text: 'staleReadRate=0.001',
    why: 'the stale-read rate may grow by at most 0.1 percentage point',
  },
];

/** {@link DEFAULT_RULES}, parsed. */
export function defaultRules(): { thresholds: Threshold[]; maxRegressions: MaxRegression[] } {
  return {
    thresholds: DEFAULT_RULES.filter((r) => r.kind === 'threshold').map((r) => parseThreshold(r.text)),
    maxRegressions: DEFAULT_RULES.filter((r) => r.kind === 'regression').map((r) =>
      parseMaxRegression(r.text),
    ),
  };
}
