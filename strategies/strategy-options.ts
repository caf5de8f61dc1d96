import { ConfigurationError } from '../kernel/index.ts';
import type { StrategyContext } from './types.ts';

/**
 * Typed readers for `StrategyContext.strategyOptions`: each pattern asks for the options it
 * knows, with its default, so the value it runs with is explicit and lands in `describe()`.
 * A CLI passes strings; numbers and booleans given as text are accepted.
 */

function raw(context: StrategyContext, name: string): string | number | boolean | undefined {
  return context.strategyOptions?.[name];
}

/** A non-negative number option (e.g. a delay in ms). */
export function numberOption(context: StrategyContext, name: string, fallback: number): number {
  const value = raw(context, name);
  if (value === undefined) return fallback;
  const parsed = typeof value === 'number' ? value : Number(value);
  if (typeof value === 'boolean' || !Number.isFinite(parsed) || parsed < 0) {
    throw new ConfigurationError(`strategy option ${name}: expected a non-negative number, got '${value}'`);
  }
  return parsed;
}

/** A boolean option (`true`/`false`, or the strings 'true'/'false'). */
export function booleanOption(context: StrategyContext, name: string, fallback: boolean): boolean {
  const value = raw(context, name);
  if (value === undefined) return fallback;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new ConfigurationError(`strategy option ${name}: expected true or false, got '${value}'`);
}

/** One of a fixed set of words. */
export function choiceOption<T extends string>(
  context: StrategyContext,
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
export function stringOption(context: StrategyContext, name: string, fallback: string): string {
  const value = raw(context, name);
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConfigurationError(`strategy option ${name}: expected a non-empty string, got '${value}'`);
  }
  return value;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
