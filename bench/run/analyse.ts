import { check } from '../../checker/index.ts';
import type { ConsistencyReport, History } from '../../checker/types.ts';
import { OPEN_AT_STOP } from '../history/recorder.ts';
import type { AnalysisInputs } from './types.ts';

/**
 * The one analysis of a run (Jepsen's `analyze`): the checker over the history and what it
 * reads besides, fault windows included. A finished run and `npm run check` both call it, so
 * a saved run recomputes to the same numbers.
 */
export function analyse(history: History, inputs: AnalysisInputs): ConsistencyReport {
  return check(history, inputs.snapshot, {
    steps: inputs.steps,
    probes: inputs.probes,
    commits: inputs.commits,
    faultWindows: { runEndMs: inputs.runEndMs, unansweredErrorKind: OPEN_AT_STOP },
  });
}
