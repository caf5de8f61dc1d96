import { ConfigurationError } from '../kernel/index.ts';
import type { StrategyContext, StrategyEntry, StrategyOptionSpec } from './types.ts';

/**
 * Typed readers for `StrategyContext.strategyOptions`: each pattern asks for the options it
 * knows, with its default, so the value it runs with is explicit and lands in `describe()`.
 * A CLI passes strings; numbers and booleans given as text are accepted.
 */

/** Where the readers take options from: a strategy's context, or one option being checked. */
type OptionSource = Pick<StrategyContext, 'strategyOptions'>;

function raw(context: OptionSource, name: string): string | number | boolean | undefined {
  return context.strategyOptions?.[name];
}

/** A non-negative number option (e.g. a delay in ms). */
export function numberOption(context: OptionSource, name: string, fallback: number): number {
  const value = raw(context, name);
  if (value === undefined) return fallback;
  const parsed = typeof value === 'number' ? value : Number(value);
  if (typeof value === 'boolean' || !Number.isFinite(parsed) || parsed < 0) {
    throw new ConfigurationError(`strategy option ${name}: expected a non-negative number, got '${value}'`);
  }
  return parsed;
}

/** A boolean option (`true`/`false`, or the strings 'true'/'false'). */
export function booleanOption(context: OptionSource, name: string, fallback: boolean): boolean {
  const value = raw(context, name);
  if (value === undefined) return fallback;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new ConfigurationError(`strategy option ${name}: expected true or false, got '${value}'`);
}

/** One of a fixed set of words. */
export function choiceOption<T extends string>(
  context: OptionSource,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const value = raw(context, name);
  if (value === undefined) return fallback;
  const found = choices.find((choice) => choice === value);
  if (found === undefined) {
    throw new ConfigurationError(
      `strategy option ${name}: expected one of ${choices.join(', ')}, got '${value}'`,
    );
  }
  return found;
}

/** A non-empty string option. */
export function stringOption(context: OptionSource, name: string, fallback: string): string {
  const value = raw(context, name);
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConfigurationError(`strategy option ${name}: expected a non-empty string, got '${value}'`);
  }
  return value;
}

/** `name` as a number option, for a pattern's option list. */
export const numberSpec = (name: string): StrategyOptionSpec => ({ name, kind: 'number' });
/** `name` as a boolean option. */
export const booleanSpec = (name: string): StrategyOptionSpec => ({ name, kind: 'boolean' });
/** `name` as a string option. */
export const stringSpec = (name: string): StrategyOptionSpec => ({ name, kind: 'string' });
/** `name` as one of `choices`. */
export const choiceSpec = (name: string, choices: readonly string[]): StrategyOptionSpec => ({
  name,
  kind: 'choice',
  choices,
});

/** How `--list` names an option: `delayMs (number)`, `consistency (strong|weak)`. */
export function describeOptionSpec(spec: StrategyOptionSpec): string {
  return `${spec.name} (${spec.kind === 'choice' ? spec.choices.join('|') : spec.kind})`;
}

/** `--strategy-option name=value` (repeatable) as a record; {@link checkStrategyOptions} checks it. */
export function parseStrategyOptions(texts: readonly string[]): Record<string, string> {
  const options: Record<string, string> = {};
  for (const text of texts) {
    const match = /^([A-Za-z][A-Za-z0-9]*)=(.*)$/.exec(text);
    if (match === null) {
      throw new ConfigurationError(
        `--strategy-option: expected name=value (e.g. delayMs=500, singleFlight=true), got '${text}'`,
      );
    }
    options[match[1] as string] = match[2] as string;
  }
  return options;
}

/**
 * Checks `--strategy-option` values against the strategies about to run, before anything
 * starts: a name none of them knows, or a value its reader would refuse, is a one-line
 * ConfigurationError. In a matrix an option applies to the strategies that know it.
 */
export function checkStrategyOptions(
  entries: readonly StrategyEntry[],
  options: Readonly<Record<string, string | number | boolean>>,
): void {
  for (const [name, value] of Object.entries(options)) {
    const spec = entries.flatMap((entry) => entry.options ?? []).find((o) => o.name === name);
    if (spec === undefined) {
      const known = entries.flatMap((entry) => (entry.options ?? []).map((o) => `${o.name} (${entry.name})`));
      const running = entries.map((entry) => entry.name).join(', ');
      throw new ConfigurationError(
        `--strategy-option ${name}: no option of ${running}; known: ${known.length === 0 ? 'none' : [...new Set(known)].join(', ')}`,
      );
    }
    const context: OptionSource = { strategyOptions: { [name]: value } };
    try {
      if (spec.kind === 'choice') choiceOption(context, name, spec.choices, spec.choices[0] as string);
      else if (spec.kind === 'number') numberOption(context, name, 0);
      else if (spec.kind === 'boolean') booleanOption(context, name, false);
      else stringOption(context, name, '');
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      throw new ConfigurationError(`--${error.message.replace(/^strategy option /, 'strategy-option ')}`);
    }
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
