import { ConfigurationError } from '../../kernel/index.ts';

/**
 * `--strategy`: one name, `all`, a comma-separated subset (`cache-aside,lease`), or the option
 * repeated (`--strategy cache-aside --strategy lease`), all combined, duplicates dropped, in
 * the order given (`all` among them: every strategy). More than one strategy is a matrix (one folder each, matrix.json, the
 * side-by-side table), as `all` is.
 */
export function parseStrategyList(
  values: readonly string[] | undefined,
  knownStrategies: readonly string[],
): { strategies: string[]; matrix: boolean } {
  const expected = `expected one of ${knownStrategies.join(', ')} or all`;
  if (values === undefined || values.length === 0) {
    throw new ConfigurationError(`--strategy: required; ${expected}`);
  }
  const names = values.flatMap((value) => value.split(',')).map((name) => name.trim());
  if (names.some((name) => name === '')) {
    throw new ConfigurationError(`--strategy '${values.join(',')}': an empty name; ${expected}`);
  }
  // The union of every strategy and some of them is every strategy.
  if (names.includes('all')) return { strategies: [...knownStrategies], matrix: true };
  const unknown = names.find((name) => !knownStrategies.includes(name));
  if (unknown !== undefined) {
    throw new ConfigurationError(`--strategy: unknown strategy '${unknown}'; ${expected}`);
  }
  const strategies = [...new Set(names)];
  return { strategies, matrix: strategies.length > 1 };
}
