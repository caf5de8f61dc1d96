import type { RunResult } from '../../reports/types.ts';

/**
 * `--quiet`'s one line after a session: passed or failed (a threshold crossed), what ran, how
 * many were consistent, the thresholds, and where the results are. `where` is the result file
 * of a single run, or the directory of a matrix or grid.
 */
export function finalLine(
  results: readonly RunResult[],
  crossings: number,
  where: string | undefined,
  interrupted: boolean,
): string {
  const checks = results.reduce((n, r) => n + (r.thresholds?.length ?? 0), 0);
  const verdict = interrupted ? 'interrupted' : crossings > 0 ? 'failed' : 'passed';
  const anomalous = results.filter((r) => !r.consistency.valid).map((r) => r.run.strategy);
  const single = results.length === 1 ? results[0] : undefined;
  const ran =
    single !== undefined
      ? `${single.run.strategy} ${single.consistency.valid ? 'consistent' : 'ANOMALIES'}, ${Math.round(single.throughput.goodput)} ok ops/s`
      : `${results.length} results, ${results.length - anomalous.length} consistent${anomalous.length === 0 ? '' : `, anomalies in ${[...new Set(anomalous)].join(', ')}`}`;
  const rules =
    checks === 0
      ? 'no thresholds'
      : crossings === 0
        ? `thresholds ${checks}/${checks} held`
        : `${crossings} of ${checks} threshold checks crossed`;
  return `cacheproof bench: ${verdict}: ${ran}; ${rules}${where === undefined ? '' : ` · ${where}`}\n`;
}
