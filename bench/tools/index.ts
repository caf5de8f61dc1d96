/** Scripts that exercise the harness itself (each is also an npm script): races, micro-benchmarks, ceilings, checker speed. */
export { formatMicroTable, type MicroOptions, type MicroRow, runMicroBenchmark } from './micro.ts';
export { formatRaceTable, RACE_SCENARIOS, type RaceOutcome, runRaceScenarios } from './races.ts';
