/** The message of whatever was thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Whatever was thrown, as an Error (tinybench's `toError`): an Error as it is, anything else wrapped. */
export function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * A problem the user must fix (a bad option, a missing binary, an unreachable URL): every
 * entry point prints its message as one line and exits {@link EXIT_BAD_CONFIGURATION}.
 */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}
