import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ConfigurationError } from '../../kernel/index.ts';
import { readResult, validateResult } from '../../reports/schema.ts';
import { makeMatrix, makeRepeated, makeResult } from '../fixtures/make-result.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cacheproof-schema-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function put(path: string, text: string): Promise<string> {
  const file = join(dir, path);
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, text);
  return file;
}

/** Asserts `promise` rejects with a one-line ConfigurationError matching `pattern`. */
async function rejectsWith(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ConfigurationError, `expected a ConfigurationError, got ${String(error)}`);
    assert.match(error.message, pattern);
    assert.doesNotMatch(error.message, /\n/);
    return true;
  });
}

test('readResult reads a result.json file, a run directory and a matrix directory', async () => {
  const single = makeResult({ durationS: 5 });
  const file = await put('run/result.json', JSON.stringify(single));
  assert.deepEqual(await readResult(file), JSON.parse(JSON.stringify(single)));
  assert.deepEqual(await readResult(join(dir, 'run')), JSON.parse(JSON.stringify(single)));

  const matrix = makeMatrix({ durationS: 5 });
  for (const result of matrix) await put(`matrix/${result.run.strategy}/result.json`, JSON.stringify(result));
  const read = await readResult(join(dir, 'matrix'));
  assert.ok(Array.isArray(read));
  assert.deepEqual(
    read.map((r) => r.run.strategy),
    matrix.map((r) => r.run.strategy).sort(),
  );
});

test('an older or unknown schemaVersion is refused with the version this cacheproof reads', async () => {
  const old = await put('old.json', JSON.stringify({ ...makeResult({ durationS: 2 }), schemaVersion: 0 }));
  await rejectsWith(
    readResult(old),
    /old\.json: schemaVersion 0 is not supported; this cacheproof reads 2 and 3$/,
  );
  const future = await put(
    'future.json',
    JSON.stringify({ ...makeResult({ durationS: 2 }), schemaVersion: 7 }),
  );
  await rejectsWith(readResult(future), /schemaVersion 7 is not supported; this cacheproof reads 2 and 3$/);
});

test('a broken file gets a clear one-line error', async () => {
  const truncated = await put('truncated.json', JSON.stringify(makeResult({ durationS: 2 })).slice(0, 300));
  await rejectsWith(readResult(truncated), /truncated\.json: not valid JSON/);
  const notResult = await put('array.json', '[1, 2]');
  await rejectsWith(readResult(notResult), /not a cacheproof result \(expected a JSON object, got array\)/);
  const noVersion = await put('other.json', '{"hello": 1}');
  await rejectsWith(readResult(noVersion), /not a cacheproof result \(no schemaVersion field\)/);
  await rejectsWith(readResult(join(dir, 'nowhere')), /nowhere: no such file or directory/);
  await mkdir(join(dir, 'empty'));
  await rejectsWith(
    readResult(join(dir, 'empty')),
    /no result\.json in this directory nor in its sub-directories/,
  );
});

test('validateResult names the first missing or mistyped field', () => {
  const result = JSON.parse(JSON.stringify(makeResult({ durationS: 3 })));
  delete result.consistency.staleReadRate;
  assert.throws(() => validateResult(result, 'r.json'), {
    name: 'ConfigurationError',
    message: 'r.json: broken result, field consistency.staleReadRate is missing',
  });
  const mistyped = JSON.parse(JSON.stringify(makeResult({ durationS: 3 })));
  mistyped.throughput.timeline[2].ops = '12';
  assert.throws(() => validateResult(mistyped, 'r.json'), {
    message: 'r.json: broken result, field throughput.timeline[2].ops should be a number, got string',
  });
});

test('validateResult accepts the open t-visibility bucket that JSON writes as null', () => {
  const result = JSON.parse(JSON.stringify(makeResult({ durationS: 3 })));
  assert.equal(result.consistency.visibility.at(-1).toMs, null);
  assert.equal(validateResult(result, 'r.json'), result);
});

test('the optional http section is checked when present', () => {
  const result = JSON.parse(JSON.stringify(makeResult({ durationS: 3, http: true })));
  assert.equal(validateResult(result, 'r.json'), result);
  delete result.http.latencyMs.p99;
  assert.throws(() => validateResult(result, 'r.json'), {
    message: 'r.json: broken result, field http.latencyMs.p99 is missing',
  });
});

test('validateResult checks the range of every number a page renders and the values of every choice', () => {
  const broken = (change: (result: ReturnType<typeof makeResult>) => void): string => {
    const result = JSON.parse(JSON.stringify(makeResult({ durationS: 3 })));
    change(result);
    try {
      validateResult(result, 'r.json');
    } catch (error) {
      assert.ok(error instanceof ConfigurationError);
      return error.message;
    }
    throw new Error('expected the result to be refused');
  };
  const open = { kind: 'open', rate: 100, maxInFlight: 8, droppedOps: 0 };
  assert.equal(
    broken((r) => Object.assign(r.run, { loadModel: { ...open, droppedOps: '"><script>x()</script>' } })),
    'r.json: broken result, field run.loadModel.droppedOps should be a number, got string',
  );
  assert.equal(
    broken((r) => Object.assign(r.run, { loadModel: { ...open, droppedOps: -1 } })),
    'r.json: broken result, field run.loadModel.droppedOps should be an integer from 0 to 9007199254740991, got -1',
  );
  assert.equal(
    broken((r) => Object.assign(r.run, { loadModel: { kind: 'sideways' } })),
    'r.json: broken result, field run.loadModel.kind should be one of closed, open, got "sideways"',
  );
  assert.equal(
    broken((r) => Object.assign(r.cache, { hitRatio: 5 })),
    'r.json: broken result, field cache.hitRatio should be a number from 0 to 1, got 5',
  );
  assert.equal(
    broken((r) => Object.assign(r.run, { driver: '<b>' })),
    'r.json: broken result, field run.driver should be a registered name (kebab-case), got "<b>"',
  );
  assert.equal(
    broken((r) => Object.assign(r.run.env.versions, { redis: { html: '<i>' } })),
    'r.json: broken result, field run.env.versions.redis should be a string, got object',
  );
  assert.equal(
    broken((r) => Object.assign(r.throughput.errorsByKind, { timeout: 0.5 })),
    'r.json: broken result, field throughput.errorsByKind.timeout should be an integer from 0 to 9007199254740991, got 0.5',
  );
  const infinite = JSON.parse(
    JSON.stringify(makeResult({ durationS: 3, withFault: false })).replace(
      '"staleReadRate":',
      '"staleReadRate":1e999,"x":',
    ),
  );
  assert.throws(() => validateResult(infinite, 'r.json'), {
    message:
      'r.json: broken result, field consistency.staleReadRate should be a number from 0 to 1, got Infinity',
  });
});

test('run.interruptedDuring is optional and names a step of the run', () => {
  const result = JSON.parse(JSON.stringify(makeResult({ durationS: 3 })));
  assert.equal(validateResult(result, 'r.json'), result);
  result.run.interrupted = true;
  result.run.interruptedDuring = 'drain';
  assert.equal(validateResult(result, 'r.json'), result);
  result.run.interruptedDuring = 'lunch';
  assert.throws(() => validateResult(result, 'r.json'), { message: /run\.interruptedDuring/ });
});

test('a version 2 result (before --runs) is still read', async () => {
  const old: Record<string, unknown> = {
    ...JSON.parse(JSON.stringify(makeResult({ durationS: 3 }))),
    schemaVersion: 2,
  };
  const file = await put('v2/result.json', JSON.stringify(old));
  const read = await readResult(file);
  assert.ok(!Array.isArray(read));
  assert.equal(read.schemaVersion, 2);
  assert.equal(read.repeats, undefined);
});

test('a repeated result is checked run by run, and a broken run is named by its place', async () => {
  const repeated = JSON.parse(JSON.stringify(makeRepeated(3, { durationS: 3 })));
  assert.equal(validateResult(repeated, 'repeated.json').repeats?.count, 3);
  const broken = structuredClone(repeated);
  broken.repeats.runs[1].throughput.goodput = 'fast';
  assert.throws(() => validateResult(broken, 'r.json'), {
    message: 'r.json: broken result, field repeats.runs[1].throughput.goodput should be a number, got string',
  });
  const short = structuredClone(repeated);
  short.repeats.runs.pop();
  assert.throws(() => validateResult(short, 'r.json'), {
    message: 'r.json: broken result, field repeats.runs should hold repeats.count (3) runs, got 2',
  });
  const forged = structuredClone(repeated);
  forged.repeats.metrics.goodput.method = 'vibes';
  assert.throws(() => validateResult(forged, 'r.json'), {
    message:
      'r.json: broken result, field repeats.metrics.goodput.method should be one of runs, seconds, range, got "vibes"',
  });
});

test('readResult reads a grid directory (plan, then strategy)', async () => {
  for (const plan of ['calm', 'redis-crash']) {
    for (const result of makeMatrix({ durationS: 3 })) {
      await put(`grid/${plan}/${result.run.strategy}/result.json`, JSON.stringify(result));
    }
  }
  await put('grid/grid.json', '{}');
  const read = await readResult(join(dir, 'grid'));
  assert.ok(Array.isArray(read));
  assert.equal(read.length, 10);
});
