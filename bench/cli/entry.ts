import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ConfigurationError, messageOf } from '../../kernel/index.ts';
import { startLocalEnvironment } from '../../services/local.ts';
import type { Environment } from '../../services/types.ts';

/**
 * Starts the local environment, runs `body` with it and always stops it. Ctrl-C (SIGINT or
 * SIGTERM), also during start-up, stops the services and exits 130.
 */
export async function withLocalEnvironment(
  tool: string,
  body: (env: Environment) => Promise<number>,
): Promise<number> {
  let env: Environment | undefined;
  let interrupted = false;
  const onInterrupt = (): void => {
    interrupted = true;
    console.error(`${tool}: interrupted, stopping services`);
    if (env !== undefined) void env.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onInterrupt);
  process.once('SIGTERM', onInterrupt);
  try {
    env = await startLocalEnvironment({ redisPersistence: 'none' });
    if (interrupted) return 130;
    return await body(env);
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
    await env?.stop();
  }
}

/**
 * Runs `main` and exits with its code when the module at `moduleUrl` is the script node was
 * started with (so the module can also be imported by tests). A ConfigurationError exits 2
 * with one line, any other error 1.
 */
export function runIfMain(moduleUrl: string, tool: string, main: () => Promise<number>): void {
  const script = process.argv[1];
  if (script === undefined || realpathSync(script) !== realpathSync(fileURLToPath(moduleUrl))) return;
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`${tool}: ${messageOf(error)}`);
      process.exit(error instanceof ConfigurationError ? 2 : 1);
    },
  );
}

type ToolOptions = NonNullable<ParseArgsConfig['options']>;

/**
 * The argument parsing of every script (node's parseArgs, strict, no positionals): returns the
 * values, or 'help' for `--help`/`-h`. A bad argument is a one-line ConfigurationError naming
 * the option, which {@link runIfMain} turns into exit code 2.
 */
export function parseToolArgs<T extends ToolOptions>(
  argv: readonly string[],
  options: T,
): ReturnType<typeof parseArgs<{ options: T; strict: true; allowPositionals: false }>>['values'] | 'help' {
  if (argv.includes('--help') || argv.includes('-h')) return 'help';
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    const first = messageOf(error).split('\n')[0] ?? '';
    throw new ConfigurationError(`${first.replace(/\. To specify a positional.*$/, '')} (see --help)`);
  }
}

/** {@link parseToolArgs} for a script that also takes positional arguments (paths). */
export function parseToolCommand<T extends ToolOptions>(
  argv: readonly string[],
  options: T,
):
  | {
      values: ReturnType<typeof parseArgs<{ options: T; strict: true; allowPositionals: true }>>['values'];
      positionals: string[];
    }
  | 'help' {
  if (argv.includes('--help') || argv.includes('-h')) return 'help';
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options,
      strict: true,
      allowPositionals: true,
    });
    return { values, positionals };
  } catch (error) {
    const first = messageOf(error).split('\n')[0] ?? '';
    throw new ConfigurationError(`${first} (see --help)`);
  }
}
