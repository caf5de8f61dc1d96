/**
 * The shared kernel every folder may import: errors and their exit codes, the seeded
 * generator every random draw uses (workloads and fault plans), durations, text tables.
 * It imports nothing outside itself.
 */
export { COLOURED, type ColourTarget, colourEnabled, PLAIN, type Style, styleFor } from './colour.ts';
export { formatDuration, MAX_DURATION_MS, MAX_DURATION_TEXT, parseDuration } from './duration.ts';
export { ConfigurationError, messageOf, toError } from './errors.ts';
export {
  EXIT_BAD_CONFIGURATION,
  EXIT_HARNESS_FAILED,
  EXIT_INTERRUPTED,
  EXIT_OK,
  EXIT_THRESHOLD_CROSSED,
  exitCodeOf,
} from './exit-codes.ts';
export { createRng, type Rng, type SeededDraws, seededDraws } from './random.ts';
export { formatTextTable, type TextTableOptions } from './text-table.ts';
