import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigurationError, messageOf } from '../../kernel/index.ts';

/** What parseArgs knows of an option: enough to turn a config value into arguments. */
type OptionShape = { type: 'string' | 'boolean'; multiple?: boolean };

/** Options that describe or locate, not configure, a run: refused as config keys. */
const NOT_IN_CONFIG = new Set(['config', 'help', 'list', 'list-faults', 'version']);

/**
 * `--config FILE`: a JSON object whose keys are the long option names (`"strategy"`,
 * `"duration"`, `"keep-history"`, `"fault"`, …) turned into arguments placed before `argv`,
 * so what the command line gives wins: an option given there drops the file's value
 * (repeatable ones included). A string option takes a string or a number, a repeatable one
 * also an array of them, a switch true or false. An unknown key, a wrong type, a missing or
 * unreadable file: a ConfigurationError of one line naming the file and the key.
 * Without `--config`, `argv` as it is.
 */
export function withConfigFile(
  argv: readonly string[],
  spec: Readonly<Record<string, OptionShape>>,
): string[] {
  const { tokens } = parseArgs({ args: [...argv], options: spec, strict: false, tokens: true });
  const given = new Set(tokens.flatMap((t) => (t.kind === 'option' ? [t.name] : [])));
  const configToken = tokens.findLast((t) => t.kind === 'option' && t.name === 'config');
  if (configToken === undefined || configToken.kind !== 'option') return [...argv];
  const file = configToken.value;
  if (file === undefined || file === '') {
    throw new ConfigurationError(
      '--config: expected a JSON file after the option, e.g. --config cacheproof.json',
    );
  }
  const where = `--config ${file}`;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigurationError(
      `${where}: cannot read it (${(error as NodeJS.ErrnoException).code ?? messageOf(error)})`,
    );
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(`${where}: not JSON (${messageOf(error).split('\n')[0]})`);
  }
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new ConfigurationError(
      `${where}: expected a JSON object whose keys are option names, e.g. {"strategy": "cache-aside", "duration": "10s"}`,
    );
  }
  const args: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    const shape = spec[key];
    if (shape === undefined || NOT_IN_CONFIG.has(key)) {
      throw new ConfigurationError(
        shape === undefined
          ? `${where}: unknown key '${key}'; keys are the long option names without -- (see --help)`
          : `${where}: key '${key}' cannot be set in a config file; give --${key} on the command line`,
      );
    }
    if (given.has(key)) continue;
    args.push(...configArgs(where, key, shape, value));
  }
  return [...args, ...argv];
}

function configArgs(where: string, key: string, shape: OptionShape, value: unknown): string[] {
  if (shape.type === 'boolean') {
    if (typeof value !== 'boolean') {
      throw new ConfigurationError(
        `${where}: key '${key}' expects true or false, got ${JSON.stringify(value)}`,
      );
    }
    return value ? [`--${key}`] : [];
  }
  const expected = shape.multiple ? 'a string, a number or an array of them' : 'a string or a number';
  const one = (item: unknown): string => {
    if (typeof item === 'string') return `--${key}=${item}`;
    if (typeof item === 'number' && Number.isFinite(item)) return `--${key}=${String(item)}`;
    throw new ConfigurationError(`${where}: key '${key}' expects ${expected}, got ${JSON.stringify(item)}`);
  };
  if (Array.isArray(value)) {
    if (!shape.multiple) {
      throw new ConfigurationError(`${where}: key '${key}' takes one value, got an array`);
    }
    return value.map(one);
  }
  return [one(value)];
}
