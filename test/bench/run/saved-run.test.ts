import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadSavedRun } from '../../../bench/run/saved-run.ts';
import { makeRepeated } from '../../fixtures/make-result.ts';

test('npm run check of a result of --runs N points at its runs, in one line', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cacheproof-saved-'));
  try {
    await writeFile(join(dir, 'result.json'), JSON.stringify(makeRepeated(3, { durationS: 3 })));
    await assert.rejects(loadSavedRun(dir), {
      name: 'ConfigurationError',
      message: `${dir}: holds 3 runs (--runs); check one at a time: npm run check -- ${join(dir, 'runs', '1')} (saved with --keep-history)`,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
