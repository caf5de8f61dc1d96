import { ConfigurationError } from './errors.ts';

/** Exit codes of every entry point (README "Exit codes"), plus the shell's convention for an interrupt. */
export const EXIT_OK = 0;
/** The harness itself failed: a bug, or a service that broke in a way no option explains. */
export const EXIT_HARNESS_FAILED = 1;
/** Invalid arguments or configuration, said before any service starts. */
export const EXIT_BAD_CONFIGURATION = 2;
/** A threshold or an allowed regression was crossed. */
export const EXIT_THRESHOLD_CROSSED = 3;
/** Interrupted (SIGINT/SIGTERM); what ran is still written. */
export const EXIT_INTERRUPTED = 130;

/** The exit code for an error that reached an entry point: 2 for a ConfigurationError, else 1. */
export function exitCodeOf(error: unknown): number {
  return error instanceof ConfigurationError ? EXIT_BAD_CONFIGURATION : EXIT_HARNESS_FAILED;
}
