/**
 * `npm run bench --strategy x` without the `--`: npm takes `--strategy` as its own setting
 * (it exports it as `npm_config_strategy`) and hands the harness only `x`. Returns the one
 * line that says so, or undefined when no option of the tool was taken that way, or when the
 * tool was not what the npm script ran (`runs`: the script text names it, e.g.
 * `bench/cli/bench.ts` or `cacheproof bench`), so a harness started by some other script
 * (`npm test`) is not misread.
 */
export function npmSwallowedHint(
  tool: string,
  runs: RegExp,
  optionNames: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const script = env.npm_lifecycle_event;
  if (script === undefined || !runs.test(env.npm_lifecycle_script ?? '')) return undefined;
  const variable = (name: string): string => `npm_config_${name.replaceAll('-', '_')}`;
  const taken = optionNames.filter((name) => env[variable(name)] !== undefined);
  if (taken.length === 0) return undefined;
  const flags = taken.map((name) => `--${name}`).join(' ');
  return `${tool}: npm took ${flags} for itself (${variable(taken[0] as string)} is set) and did not pass ${taken.length === 1 ? 'it' : 'them'} on; put -- before the options: npm run ${script} -- ${flags} …`;
}
