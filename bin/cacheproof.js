#!/usr/bin/env node
// `cacheproof <command> [options]` (`npx cacheproof bench …` from a project that installs it):
// runs the command's entry file with node and tsx, resolved from this package wherever it is
// installed, in a child that shares the terminal. Plain JavaScript, so it needs no loader itself.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Each command, its entry file (relative to the package) and what it does, for `--help`. */
const COMMANDS = {
  bench: ['bench/cli/bench.ts', 'run strategies under a seeded load (and faults), check, write result.json'],
  compare: ['bench/cli/compare.ts', 'compare two results, matrices or grids against rules (the CI gate)'],
  check: ['bench/cli/check.ts', 'recompute a run kept with --keep-history from its saved history'],
  races: ['bench/tools/races.ts', 'force each documented race with pause points, db-only as control'],
  explore: ['bench/explore/main.ts', 'every interleaving of a few operations on one key'],
  micro: ['bench/tools/micro.ts', 'latency of a hit, a miss and a write per strategy'],
  ceiling: ['bench/tools/ceiling.ts', "the harness's ceiling against redis-benchmark"],
  costs: ['bench/tools/run-costs.ts', 'what the harness costs besides the pattern'],
  startup: ['bench/tools/startup.ts', 'start-up time of the local environment'],
  setup: ['scripts/setup.sh', 'install redis-server and MariaDB, build Toxiproxy into .tools/bin'],
};

function version() {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  return `${pkg.name} ${pkg.version}`;
}

function usage() {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, [, what]]) => `  ${name.padEnd(width)}  ${what}`);
  return `Usage: cacheproof <command> [options]   (cacheproof <command> --help for its options)

Commands
${lines.join('\n')}

  --version   print the version (${version()})
  --help      this text

Exit codes: 0 ok · 1 failed · 2 bad arguments (one line, before any service starts) ·
3 a threshold or an allowed regression was crossed · 130 interrupted
`;
}

const [command, ...args] = process.argv.slice(2);
if (command === undefined) {
  process.stderr.write(usage());
  process.exit(2);
}
if (command === '--help' || command === '-h' || command === 'help') {
  process.stdout.write(usage());
  process.exit(0);
}
if (command === '--version' || command === '-v' || command === 'version') {
  process.stdout.write(`${version()}\n`);
  process.exit(0);
}
const entry = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
if (entry === undefined) {
  process.stderr.write(
    `cacheproof: unknown command '${command}'; expected one of ${Object.keys(COMMANDS).join(', ')} (see cacheproof --help)\n`,
  );
  process.exit(2);
}
const file = join(ROOT, entry[0]);
const child = file.endsWith('.sh')
  ? spawn('bash', [file, ...args], { stdio: 'inherit' })
  : spawn(process.execPath, ['--import', import.meta.resolve('tsx'), file, ...args], { stdio: 'inherit' });
// Ctrl-C (and a hang-up) reaches the child from the terminal itself, so this process only
// outlives it; SIGTERM sent to this process alone is passed on. The child also stops when
// this process is gone (bench/cli/parent-watch.ts).
for (const signal of ['SIGINT', 'SIGHUP']) process.on(signal, () => undefined);
process.on('SIGTERM', () => {
  if (child.exitCode === null) child.kill('SIGTERM');
});
child.on('exit', (code, signal) => {
  process.exit(code ?? 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0)));
});
child.on('error', (error) => {
  process.stderr.write(`cacheproof: could not start ${entry[0]}: ${error.message}\n`);
  process.exit(1);
});
