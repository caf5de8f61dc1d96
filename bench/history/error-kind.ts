/**
 * A short, stable name for what went wrong, for `errorsByKind`: the error's `code`
 * (ECONNRESET, ETIMEDOUT, PROTOCOL_SEQUENCE_TIMEOUT…), else its class name, else its
 * message without numbers (so "Command timed out" stays one kind).
 */
export function errorKindOf(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    if (error.name !== 'Error' && error.name !== '') return error.name;
    return error.message.replace(/\d+/g, 'N').slice(0, 60) || 'Error';
  }
  return typeof error;
}
