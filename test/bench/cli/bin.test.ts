import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const BIN = join(ROOT, 'bin', 'cacheproof.js');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'results', 'single');
/** The escape that starts an ANSI colour sequence. */
const ESC = '\u001b';
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** The environment of a child: this one without colour settings or npm's script variables. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^(NO_COLOR|FORCE_COLOR|npm_config_|npm_lifecycle_)/i.test(k) || k === 'npm_config_cache',
    ),
  );
  return { ...env, ...extra };
}

function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(command, args, {
    cwd: options.cwd ?? ROOT,
    env: options.env ?? cleanEnv(),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const cacheproof = (args: string[], env?: NodeJS.ProcessEnv) =>
  run(process.execPath, [BIN, ...args], env === undefined ? {} : { env });

describe('the cacheproof command', () => {
  let project: string;
  before(() => {
    // A project that installed cacheproof: its node_modules/.bin links to the package's bin.
    project = mkdtempSync(join(tmpdir(), 'cacheproof-project-'));
    writeFileSync(join(project, 'package.json'), '{ "name": "app", "private": true }\n');
    mkdirSync(join(project, 'node_modules', '.bin'), { recursive: true });
    symlinkSync(ROOT, join(project, 'node_modules', 'cacheproof'));
    symlinkSync(
      join('..', 'cacheproof', 'bin', 'cacheproof.js'),
      join(project, 'node_modules', '.bin', 'cacheproof'),
    );
  });
  after(() => rmSync(project, { recursive: true, force: true }));

  it('prints the package version, also through npx from a project that installs it', () => {
    assert.deepEqual(cacheproof(['--version']), { status: 0, stdout: `cacheproof ${VERSION}\n`, stderr: '' });
    const npx = run('npx', ['--no-install', 'cacheproof', '--version'], { cwd: project });
    assert.equal(npx.status, 0, npx.stderr);
    assert.equal(npx.stdout, `cacheproof ${VERSION}\n`);
    assert.equal(cacheproof(['bench', '--version']).stdout, `cacheproof ${VERSION}\n`);
  });

  it('lists its commands, refuses an unknown one in one line, and passes exit codes on', () => {
    const help = cacheproof(['--help']);
    assert.equal(help.status, 0);
    for (const command of ['bench', 'compare', 'check', 'races', 'explore'])
      assert.match(help.stdout, new RegExp(`^ {2}${command} +\\S`, 'm'));
    const none = cacheproof([]);
    assert.deepEqual([none.status, none.stdout], [2, '']);
    assert.match(none.stderr, /^Usage: cacheproof <command>/);
    const unknown = cacheproof(['benhc']);
    assert.equal(unknown.status, 2);
    assert.match(
      unknown.stderr,
      /^cacheproof: unknown command 'benhc'; expected one of bench, compare, .*\n$/,
    );
    const bad = cacheproof(['bench', '--strategy', 'nope']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^cacheproof bench: --strategy: unknown strategy 'nope'; expected one of /);
    const compared = run('npx', ['--no-install', 'cacheproof', 'compare', FIXTURE, FIXTURE], {
      cwd: project,
    });
    assert.equal(compared.status, 0, compared.stderr);
    assert.match(compared.stdout, /^compare: all \d+ rule checks hold$/m);
  });

  it('bench --config: a bad key is one line naming it, exit 2; the command line overrides the file', () => {
    const typo = join(project, 'typo.json');
    writeFileSync(typo, JSON.stringify({ strategy: 'db-only', durration: '2s' }));
    const refused = cacheproof(['bench', '--config', typo]);
    assert.equal(refused.status, 2);
    assert.equal(
      refused.stderr,
      `cacheproof bench: --config ${typo}: unknown key 'durration'; keys are the long option names without -- (see --help)\n`,
    );
    // The file's strategy is unknown, so the error shows which value won, before any service starts.
    const config = join(project, 'cacheproof.json');
    writeFileSync(config, JSON.stringify({ strategy: 'nope', duration: '0s' }));
    const fromFile = cacheproof(['bench', '--config', config]);
    assert.equal(fromFile.status, 2);
    assert.match(fromFile.stderr, /^cacheproof bench: --strategy: unknown strategy 'nope'/);
    const overridden = cacheproof(['bench', '--config', config, '--strategy', 'db-only']);
    assert.equal(overridden.status, 2);
    assert.match(
      overridden.stderr,
      /^cacheproof bench: --duration: expected a positive duration .* got '0s'\n$/,
    );
  });
});

describe('npm run without --', () => {
  it('bench: a hint about the --, exit 2, before anything starts', () => {
    const npm = run('npm', ['run', '--silent', 'bench', '--strategy', 'db-only', '--duration', '1s']);
    assert.equal(npm.status, 2, npm.stderr);
    const hint = npm.stderr.split('\n').filter((line) => line.startsWith('cacheproof bench:'));
    assert.deepEqual(hint, [
      'cacheproof bench: npm took --strategy --duration for itself (npm_config_strategy is set) and did not pass them on; put -- before the options: npm run bench -- --strategy --duration …',
    ]);
  });

  it('compare: the same hint', () => {
    const npm = run('npm', ['run', '--silent', 'compare', FIXTURE, FIXTURE, '--json']);
    assert.equal(npm.status, 2, npm.stderr);
    assert.match(npm.stderr, /^compare: npm took --json for itself .* npm run compare -- --json …$/m);
  });
});

describe('colour', () => {
  /** Runs compare on a pseudo-terminal (util-linux `script`), where colour is on by default. */
  function onTerminal(env: NodeJS.ProcessEnv): string {
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} compare ${FIXTURE} ${FIXTURE}`;
    const result = run('script', ['-qec', command, '/dev/null'], { env });
    assert.equal(result.status, 0, result.stderr);
    return result.stdout;
  }

  it('compare colours ✓ and the verdict on a terminal, and not with NO_COLOR or through a pipe', (t) => {
    if (spawnSync('script', ['--version']).status !== 0) {
      t.skip('no util-linux script here to make a terminal');
      return;
    }
    const green = (text: string): string => `${ESC}[32m${text}${ESC}[39m`;
    const coloured = onTerminal(cleanEnv({ TERM: 'xterm' }));
    assert.ok(coloured.includes(`${green('✓')} goodput=25%`), coloured);
    assert.ok(coloured.includes(`compare: ${ESC}[32mall `), 'the verdict is green');
    const plain = onTerminal(cleanEnv({ TERM: 'xterm', NO_COLOR: '1' }));
    assert.match(plain, /✓ goodput=25%/);
    assert.ok(!plain.includes(ESC), 'NO_COLOR: no escape sequence');
    assert.ok(!cacheproof(['compare', FIXTURE, FIXTURE]).stdout.includes(ESC), 'not a terminal: no colour');
    const forced = cacheproof(['compare', FIXTURE, FIXTURE], cleanEnv({ FORCE_COLOR: '1' }));
    assert.ok(forced.stdout.includes(green('✓')));
  });
});
