/**
 * A short, stable name for what went wrong, for `errorsByKind`: the error's `code`
 * (ECONNRESET, ETIMEDOUT, PROTOCOL_SEQUENCE_TIMEOUT…), else for a Redis error reply the
 * reply's error code (CLUSTERDOWN, MOVED, TRYAGAIN, READONLY, LOADING…: a cluster's failover
 * shows as what the nodes said), else its class name, else its message without numbers (so
 * "Command timed out" stays one kind).
 */
export function errorKindOf(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    if (error.name === 'ReplyError') {
      const reply = /^[A-Z][A-Z_-]+(?=\s|$)/.exec(error.message)?.[0];
      if (reply !== undefined) return reply;
    }
    if (error.name !== 'Error' && error.name !== '') return error.name;
    return error.message.replace(/\d+/g, 'N').slice(0, 60) || 'Error';
  }
  return typeof error;
}
