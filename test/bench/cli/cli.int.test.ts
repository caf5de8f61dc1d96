import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { validateResult } from '../../../reports/schema.ts';
import type { RunResult } from '../../../reports/types.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');

/** Every leaf is a finite number, a string, a boolean, or null only where the schema allows it. */
function assertFilled(value: unknown, path: string): void {
  if (value === undefined) assert.fail(`${path} is undefined`);
  if (typeof value === 'number') assert.ok(Number.isFinite(value), `${path} = ${value}`);
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) assertFilled(item, `${path}[${i}]`);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) assertFilled(item, `${path}.${key}`);
  }
}

describe('bench CLI with real services', () => {
  it('a short run writes a complete result.json and prints the summary', () => {
    const out = mkdtempSync(join(tmpdir(), 'cacheproof-cli-'));
    try {
      const run = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          'bench/cli/bench.ts',
          '--strategy',
          'cache-aside',
          '--duration',
          '2s',
          '--warmup',
          '500ms',
          '--settle',
          '200ms',
          '--keys',
          '500',
          '--seed',
          '5',
          '--out',
          out,
          '--keep-history',
        ],
        { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
      );
      assert.equal(run.status, 0, run.stderr);
      // The verdict in words first, then the numbers.
      assert.match(run.stdout, /^verdict {6}cache-aside: /);
      assert.match(run.stdout, /^cache-aside · ycsb-a \(50% reads, zipfian 0\.99, 500 keys, 256 B\)$/m);
      assert.ok(
        run.stdout.endsWith(
          `result       ${join(out, 'result.json')}\nreport       ${join(out, 'report.html')}\n\n`,
        ),
        run.stdout,
      );
      assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /^<!doctype html>/i);

      const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunResult;
      assertFilled(result, 'result');
      assert.equal(
        validateResult(result, 'result.json'),
        result,
        'a real result passes the schema compare uses',
      );
      assert.equal(result.schemaVersion, 3);
      assert.equal(result.run.strategy, 'cache-aside');
      assert.equal(result.run.seed, 5);
      assert.equal(result.run.interrupted, false);
      // The stop timer is never early (1 ms of slack) and late on a busy machine.
      assert.ok(result.run.durationMs >= 1999 && result.run.durationMs < 5000, `${result.run.durationMs} ms`);
      assert.ok(Object.keys(result.run.env.versions).length >= 3);
      assert.ok(result.throughput.goodput > 0);
      assert.equal(
        result.throughput.reads + result.throughput.writes,
        result.latency.read.count + result.latency.write.count,
      );
      assert.ok(result.throughput.timeline.length >= 2);
      assert.ok(result.latency.read.p50 > 0 && result.latency.read.p50 <= result.latency.read.p99);
      assert.ok(
        result.cache.hits + result.cache.misses === result.throughput.reads - result.throughput.errors,
      );
      assert.ok(result.db.queries > 0);
      assert.ok(result.consistency.readsChecked > 0);
      assert.ok(result.consistency.visibility.length > 0);
      assert.ok(result.consistency.nines.length > 0);
      assert.ok(readFileSync(join(out, 'history.bin.gz')).length > 0);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('SIGTERM sent to npm alone stops the run, which still writes what ran', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cacheproof-npm-'));
    // npm forwards the signal to its child only; before `exec` in the package script that
    // child was a shell, and the harness under it ran on to the end of its 60 s.
    const npm = spawn(
      'npm',
      [
        'run',
        '--silent',
        'bench',
        '--',
        '--strategy',
        'db-only',
        '--duration',
        '60s',
        '--warmup',
        '0s',
        '--keys',
        '100',
        '--out',
        out,
      ],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    npm.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const result = join(out, 'result.json');
    try {
      // The first progress line says the measured load is running.
      const running = Date.now() + 60_000;
      while (!/measuring/.test(stderr) && npm.exitCode === null && Date.now() < running) await sleep(100);
      assert.match(stderr, /measuring/, stderr);
      npm.kill('SIGTERM');
      const deadline = Date.now() + 40_000;
      // result.json appears whole (written, then renamed into place).
      while (!existsSync(result) && Date.now() < deadline) await sleep(100);
      assert.ok(existsSync(result), `no result 40 s after SIGTERM; stderr: ${stderr}`);
      const written = JSON.parse(readFileSync(result, 'utf8')) as RunResult;
      assert.equal(written.run.interrupted, true);
      assert.ok(written.run.durationMs < 50_000, `${written.run.durationMs} ms measured`);
    } finally {
      npm.kill('SIGKILL');
      // The harness may outlive npm: wait for it to finish with its own directory.
      await sleep(500);
      rmSync(out, { recursive: true, force: true });
    }
  });
  it('an interrupted --strategy all writes a matrix marked partial and still evaluates thresholds', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cacheproof-matrix-'));
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'bench/cli/bench.ts',
        '--strategy',
        'all',
        '--duration',
        '30s',
        '--warmup',
        '0s',
        '--keys',
        '100',
        '--threshold',
        'goodput>=1000000000',
        '--out',
        out,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.stdout.resume();
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const running = Date.now() + 60_000;
      while (!/measuring/.test(stderr) && child.exitCode === null && Date.now() < running) await sleep(100);
      assert.match(stderr, /measuring/, stderr);
      child.kill('SIGINT');
      const bound = new AbortController();
      const code = await Promise.race([
        exited,
        sleep(60_000, 'timeout' as const, { signal: bound.signal }).catch(() => 'timeout' as const),
      ]);
      bound.abort();
      assert.equal(code, 130, stderr);
      assert.match(stderr, /threshold crossed: [\w-]+: threshold goodput>=1000000000 crossed/, stderr);
      const matrix = JSON.parse(readFileSync(join(out, 'matrix.json'), 'utf8')) as {
        interrupted: boolean;
        notRun: string[];
        results: Array<{ strategy: string; file: string }>;
      };
      assert.equal(matrix.interrupted, true);
      assert.equal(matrix.results.length, 1);
      const first = matrix.results[0];
      assert.ok(first);
      assert.ok(matrix.notRun.length > 0 && !matrix.notRun.includes(first.strategy), matrix.notRun.join());
      const result = JSON.parse(readFileSync(join(out, first.file), 'utf8')) as RunResult;
      assert.equal(result.run.interrupted, true);
      assert.equal(result.run.interruptedDuring, 'load');
      assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /interrupted and is partial/);
    } finally {
      child.kill('SIGKILL');
      await exited;
      rmSync(out, { recursive: true, force: true });
    }
  });
});
