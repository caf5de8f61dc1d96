import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { validateResult } from '../../../reports/schema.ts';
import type { RunResult } from '../../../reports/types.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');

function node(script: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 240_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('the CI gate with real services: --runs, then a noise-aware compare', () => {
  it('keeps every run, and a head slowed by Redis latency fails compare naming the rule', () => {
    const out = mkdtempSync(join(tmpdir(), 'cacheproof-gate-'));
    try {
      // 100 ms on every Redis round trip from the first measured moment: with 16 clients and
      // every operation touching Redis, the head cannot exceed 16 / 0.1 s = 160 ok ops/s.
      const slow = join(out, 'slow.json');
      writeFileSync(
        slow,
        JSON.stringify([
          { fault: 'latency', target: 'redis', params: { latencyMs: 100 }, at: 0, duration: 600_000 },
        ]),
      );
      const bench = node('bench/cli/bench.ts', [
        '--strategy',
        'cache-aside',
        '--grid',
        '--fault',
        'calm',
        '--fault',
        slow,
        '--runs',
        '2',
        '--duration',
        '3s',
        '--warmup',
        '500ms',
        '--settle',
        '200ms',
        '--keys',
        '500',
        '--seed',
        '5',
        '--out',
        join(out, 'grid'),
        '--budget',
        'lostWrites==0',
      ]);
      assert.equal(bench.status, 0, bench.stderr);
      // Each run is announced and summarised on one line, then the cell's summary gives the spread.
      assert.match(bench.stderr, /^\[grid\] calm · cache-aside \(run 2\/2\)$/m);
      assert.match(bench.stderr, /^\[grid\] cache-aside run 1\/2: goodput \d+ ok ops\/s/m);
      assert.match(bench.stdout, /^runs {9}2 runs, seed 5 each · median \[95% interval: /m);
      assert.match(bench.stdout, /^ {13}goodput [\d,.]+ \[[\d,.]+–[\d,.]+\] ops\/s$/m);
      assert.match(bench.stdout, /^budget {7}✓ lostWrites==0 {2}lostWrites is 0 \(median of 2 runs\)$/m);

      const base = join(out, 'grid', 'calm', 'cache-aside');
      const head = join(out, 'grid', 'slow', 'cache-aside');
      const result = validateResult(
        JSON.parse(readFileSync(join(base, 'result.json'), 'utf8')) as unknown,
        'result.json',
      ) as RunResult;
      assert.equal(result.schemaVersion, 3);
      assert.equal(result.run.plan, 'calm');
      assert.equal(result.repeats?.count, 2);
      assert.equal(result.repeats?.metrics.goodput?.method, 'seconds');
      assert.deepEqual(
        result.repeats?.runs.map((r) => [r.run.seed, r.run.strategy, r.run.interrupted]),
        [
          [5, 'cache-aside', false],
          [5, 'cache-aside', false],
        ],
      );
      assert.deepEqual(
        result.repeats?.metrics.goodput?.values,
        result.repeats?.runs.map((r) => r.throughput.goodput),
      );
      assert.deepEqual(result.budget?.[0]?.held, true);

      // Different plans: refused in one line, naming the plan.
      const refused = node('bench/cli/compare.ts', [base, head]);
      assert.equal(refused.status, 2, refused.stderr);
      assert.equal(refused.stderr.trim().split('\n').length, 1);
      assert.match(refused.stderr, /^compare: base and head ran with different settings \(plan calm ≠ slow /);

      // Compared anyway: the slowed head crosses a default rule, by name, beyond the noise.
      const compared = node('bench/cli/compare.ts', [base, head, '--allow-different-settings']);
      assert.equal(compared.status, 3, `${compared.stdout}\n${compared.stderr}`);
      assert.match(compared.stdout, /^settings differ: plan: calm → slow /m);
      assert.match(
        compared.stderr,
        /^compare: cache-aside: max regression (goodput=25%|readP99Ms=50%|writeP99Ms=50%) crossed: .*, beyond the noise \(Mann–Whitney p = [\d.e-]+, \d+ vs \d+ seconds\)$/m,
      );
      assert.match(compared.stdout, /^ {4}✓ lostWrites==0 {2}lostWrites is 0 \(median of 2 runs\)$/m);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
