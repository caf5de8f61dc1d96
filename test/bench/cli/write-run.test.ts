import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { makeDirectory } from '../../../bench/cli/out-dir.ts';
import { writeRun } from '../../../bench/cli/write-run.ts';
import type { StrategyRun } from '../../../bench/run/types.ts';
import { makeResult } from '../../fixtures/make-result.ts';

const run = { result: makeResult() } as StrategyRun;

describe('writeRun', () => {
  it('writes result.json and report.html into the directory, creating it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'cacheproof-write-'));
    try {
      const warnings: string[] = [];
      const file = await writeRun(join(root, 'a', 'b'), run, false, (m) => warnings.push(m));
      assert.equal(file, join(root, 'a', 'b', 'result.json'));
      assert.equal(JSON.parse(readFileSync(file, 'utf8')).run.id, run.result.run.id);
      assert.ok(existsSync(join(root, 'a', 'b', 'report.html')));
      assert.deepEqual(warnings, []);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('when the directory cannot be written, writes the run to a temporary directory and says where', async () => {
    const root = mkdtempSync(join(tmpdir(), 'cacheproof-write-'));
    let fallback: string | undefined;
    try {
      const taken = join(root, 'taken');
      writeFileSync(taken, 'x');
      for (const dir of [taken, join(taken, 'sub'), '/proc/cacheproof-x']) {
        const warnings: string[] = [];
        const file = await writeRun(dir, run, false, (m) => warnings.push(m));
        fallback = dirname(file);
        assert.ok(fallback.startsWith(tmpdir()), file);
        assert.equal(JSON.parse(readFileSync(file, 'utf8')).run.id, run.result.run.id);
        assert.equal(warnings.length, 1);
        assert.match(
          warnings[0] ?? '',
          new RegExp(`^cannot write the run to ${dir} \\(E[A-Z]+\\); wrote it to ${fallback} instead$`),
        );
        rmSync(fallback, { recursive: true, force: true });
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('makeDirectory fails on procfs instead of looping', async () => {
    await assert.rejects(makeDirectory('/proc/cacheproof-x/y'), /E[A-Z]+/);
  });
});
