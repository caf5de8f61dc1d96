import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunResult } from '../../reports/types.ts';
import { makeMatrix, makeResult } from '../fixtures/make-result.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'ci-bench-compare.sh');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'results');
const BASE_SHA = '1111111111111111111111111111111111111111';
const HEAD_SHA = '2222222222222222222222222222222222222222';

/** Runs the script as the workflow's compare step does; the summary it wrote, and its exit code. */
function ciCompare(
  base: string,
  head: string,
  out: string,
): { code: number | null; summary: string; stderr: string } {
  const summary = join(out, 'summary.md');
  const run = spawnSync('bash', [SCRIPT, base, head, summary], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, BASE_COMMIT: BASE_SHA, HEAD_COMMIT: HEAD_SHA, RUNNER: 'a test runner' },
  });
  return {
    code: run.status,
    summary: existsSync(summary) ? readFileSync(summary, 'utf8') : '',
    stderr: run.stderr,
  };
}

describe('scripts/ci-bench-compare.sh: the workflow compare step, locally', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cacheproof-ci-'));
    // A matrix under redis-crash, where write-behind loses its queue by design (fixture: 37 lost).
    for (const result of makeMatrix()) {
      const crashed: RunResult = { ...result, run: { ...result.run, plan: 'redis-crash' } };
      mkdirSync(join(dir, 'crash', result.run.strategy), { recursive: true });
      writeFileSync(join(dir, 'crash', result.run.strategy, 'result.json'), JSON.stringify(crashed));
    }
    mkdirSync(join(dir, 'short'));
    writeFileSync(join(dir, 'short', 'result.json'), JSON.stringify(makeResult({ durationS: 20 })));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('passes the same run twice and says what ran: commits, plan, duration, seed, runs, runner', () => {
    const run = ciCompare(join(FIXTURES, 'single'), join(FIXTURES, 'single'), join(dir, 'same'));
    assert.equal(run.code, 0, run.stderr);
    const lines = run.summary.split('\n');
    assert.equal(lines[0], '## cacheproof performance gate: ✅ passed');
    for (const row of [
      `| commit | ${BASE_SHA} | ${HEAD_SHA} |`,
      '| plan | redis-latency | redis-latency |',
      '| measured per run | 1m after 5s warm-up | 1m after 5s warm-up |',
      '| seed | 1 | 1 |',
      '| runs | 1 | 1 |',
    ]) {
      assert.ok(lines.includes(row), `${row} in\n${run.summary}`);
    }
    assert.match(
      run.summary,
      /^\| runner \| a test runner; local environment, \d+ CPUs, .* \| a test runner; /m,
    );
    assert.match(run.summary, /^✅ \*\*all 5 rule checks hold\*\*$/m);
    assert.equal(
      (JSON.parse(readFileSync(join(dir, 'same', 'compare.json'), 'utf8')) as { passed: boolean }).passed,
      true,
    );
    assert.ok(existsSync(join(dir, 'same', 'compare.html')));
  });

  it('uses the scoped default rules: write-behind may lose writes under redis-crash, not under redis-latency', () => {
    const crash = ciCompare(join(dir, 'crash'), join(dir, 'crash'), join(dir, 'crash-out'));
    assert.equal(crash.code, 0, crash.summary);
    assert.match(
      crash.summary,
      /^- ✅ \*\*write-behind\*\* `write-behind@redis-crash:lostWrites>=0`: lostWrites is 37$/m,
    );
    assert.doesNotMatch(
      crash.summary,
      /write-behind\*\* `lostWrites==0`/,
      'the scoped rule replaces the general one',
    );

    const latency = ciCompare(join(FIXTURES, 'matrix'), join(FIXTURES, 'matrix'), join(dir, 'latency-out'));
    assert.equal(latency.code, 3);
    assert.equal(latency.summary.split('\n')[0], '## cacheproof performance gate: ❌ a rule was crossed');
    assert.match(
      latency.summary,
      /^- \*\*write-behind\*\*: threshold `lostWrites==0` crossed: lostWrites is 37$/m,
    );
  });

  it('without a baseline says so, shows the head alone and passes', () => {
    const run = ciCompare(join(dir, 'no-such-baseline'), join(FIXTURES, 'single'), join(dir, 'none'));
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.summary.split('\n')[0], '## cacheproof performance gate: no baseline yet');
    assert.ok(run.summary.includes('| what ran | head |\n'));
    assert.ok(run.summary.includes(`| commit | ${HEAD_SHA} |\n`));
    assert.match(
      run.stderr,
      /^ci-bench-compare: no baseline in '.*no-such-baseline': nothing compared, the job passes$/m,
    );
  });

  it('runs of different settings: not compared, exit 2, the one line in the summary', () => {
    const run = ciCompare(join(FIXTURES, 'single'), join(dir, 'short'), join(dir, 'differ'));
    assert.equal(run.code, 2);
    assert.equal(run.summary.split('\n')[0], '## cacheproof performance gate: ⚠️ not compared');
    assert.match(
      run.summary,
      /^compare: base and head ran with different settings \(.*duration 1m after 5s warm-up ≠ 20s/m,
    );
  });
});
