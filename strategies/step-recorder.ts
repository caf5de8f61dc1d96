import type { StepEvent, StepTracer } from './types.ts';

/** A {@link StepTracer} that keeps every event in memory, for tests and race scenarios. */
export interface StepRecorder extends StepTracer {
  readonly events: StepEvent[];
}

/** Records the steps of `keys` (every key when omitted). */
export function createStepRecorder(keys?: Iterable<number>): StepRecorder {
  const wanted = keys === undefined ? undefined : new Set(keys);
  const events: StepEvent[] = [];
  return {
    events,
    wants: (key) => wanted === undefined || wanted.has(key),
    record: (event) => {
      events.push(event);
    },
  };
}
