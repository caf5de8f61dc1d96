/**
 * What is wrong with `text` as JSON, in one line that never echoes the text: V8's message
 * quotes the input (newlines included) when the first token is wrong, so that part is
 * replaced by the line and column of the problem.
 */
export function jsonProblem(error: unknown, text: string): string {
  const message = error instanceof Error ? error.message : String(error);
  if (text.trim() === '') return 'empty file';
  const offset = problemOffset(message, text);
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  const what = message
    .replace(/, ".*" is not valid JSON$/s, '')
    .replace(/( in)? JSON at position \d+.*$/s, (_match, inJson) => (inJson ? '' : ' JSON'))
    .replace(/\s+/g, ' ')
    .trim();
  return `${what} at line ${line}, column ${column}`;
}

/** Where V8's message places the problem: its position, the unexpected token, or the end. */
function problemOffset(message: string, text: string): number {
  const position = /at position (\d+)/.exec(message);
  if (position !== null) return Number(position[1]);
  if (/end of JSON input/.test(message)) return text.length;
  const start = /\S/.exec(text)?.index ?? 0;
  const token = /^Unexpected token '(.)'/su.exec(message)?.[1];
  const at = token === undefined ? -1 : text.indexOf(token, start);
  return at === -1 ? start : at;
}

/** Parses JSON, or throws an Error whose message is {@link jsonProblem}'s one line. */
export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error: unknown) {
    throw new Error(jsonProblem(error, text));
  }
}
