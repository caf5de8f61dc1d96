/** A stream's colour capability: whether it is a terminal. */
export interface ColourTarget {
  isTTY?: boolean;
}

/**
 * Whether text written to `out` may carry ANSI colour: never when `NO_COLOR` is set to
 * anything but the empty string (no-color.org); when `FORCE_COLOR` is set (not empty, not
 * `0`); otherwise only on a terminal whose `TERM` is not `dumb`.
 */
export function colourEnabled(out: ColourTarget, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return out.isTTY === true && env.TERM !== 'dumb';
}

/** How terminal text is marked: held/broken rules, good and bad verdicts. Identity without colour. */
export interface Style {
  good(text: string): string;
  bad(text: string): string;
  warn(text: string): string;
  bold(text: string): string;
}

const same = (text: string): string => text;

/** No colour: every mark returns its text unchanged. */
export const PLAIN: Style = { good: same, bad: same, warn: same, bold: same };

const ansi =
  (open: number, close: number) =>
  (text: string): string =>
    `\x1b[${open}m${text}\x1b[${close}m`;

/** ANSI colour: green, red, yellow, bold. */
export const COLOURED: Style = {
  good: ansi(32, 39),
  bad: ansi(31, 39),
  warn: ansi(33, 39),
  bold: ansi(1, 22),
};

/** The style for text written to `out` ({@link colourEnabled}). */
export function styleFor(out: ColourTarget, env: NodeJS.ProcessEnv = process.env): Style {
  return colourEnabled(out, env) ? COLOURED : PLAIN;
}
