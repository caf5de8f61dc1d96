import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { validateResult } from '../../reports/schema.ts';
import { makeMatrix, makeResult } from '../fixtures/make-result.ts';

const ROOT = join(import.meta.dirname, '..', 'fixtures', 'results');

/** The committed sample results (for `npm run compare` by hand) are what make-result.ts writes, and valid. */
test('the sample results under test/fixtures/results are current and pass the schema', () => {
  const expected = [
    { file: join('single', 'result.json'), result: makeResult() },
    ...makeMatrix().map((result) => ({ file: join('matrix', result.run.strategy, 'result.json'), result })),
  ];
  for (const { file, result } of expected) {
    const committed: unknown = JSON.parse(readFileSync(join(ROOT, file), 'utf8'));
    assert.deepEqual(
      committed,
      JSON.parse(JSON.stringify(result)),
      `${file} is stale: node --import tsx test/fixtures/write-results.ts`,
    );
    validateResult(committed, file);
  }
});
