import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const BIN = join(ROOT, 'bin', 'cacheproof.js');
/** The shortest real run: db-only, a second of load, no warm-up or settle, a small key space. */
const SHORT = ['--duration', '1s', '--warmup', '0s', '--settle', '0s', '--keys', '100', '--seed', '3'];

function cacheproof(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(NO_COLOR|FORCE_COLOR|npm_lifecycle_)/.test(k)),
  );
  const run = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 180_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('bench output modes with real services', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cacheproof-modes-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--json: stdout is the result and nothing else; progress and the summary go to stderr', () => {
    const out = join(dir, 'json');
    const run = cacheproof(['bench', '--strategy', 'db-only', ...SHORT, '--json', '--out', out]);
    assert.equal(run.status, 0, run.stderr);
    const printed = JSON.parse(run.stdout) as { run: { strategy: string; seed: number } };
    assert.deepEqual(printed, JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')));
    assert.equal(printed.run.strategy, 'db-only');
    assert.equal(printed.run.seed, 3);
    assert.match(run.stderr, /^db-only measuring \d+s left · /m, 'a progress line per phase off a terminal');
    assert.match(run.stderr, /^verdict {6}db-only: /m);
  });

  it('--quiet from a --config file: one verdict line on stdout, nothing on stderr', () => {
    const out = join(dir, 'quiet');
    const config = join(dir, 'cacheproof.json');
    writeFileSync(
      config,
      JSON.stringify({ strategy: 'db-only', quiet: true, threshold: ['lostWrites==0'], out, keys: 100000 }),
    );
    // The command line's --keys (and the rest of SHORT) win over the file's.
    const run = cacheproof(['bench', '--config', config, ...SHORT]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, '');
    assert.match(
      run.stdout,
      /^cacheproof bench: passed: db-only consistent, \d+ ok ops\/s; thresholds 1\/1 held · .*quiet\/result\.json\n$/,
    );
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as {
      run: { workload: { keys: number }; commandLine?: string[] };
      thresholds: { rule: string; held: boolean }[];
    };
    assert.equal(result.run.workload.keys, 100);
    assert.deepEqual(
      result.thresholds.map((t) => [t.rule, t.held]),
      [['lostWrites==0', true]],
    );
  });
});
