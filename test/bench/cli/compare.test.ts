import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { aggregateRuns } from '../../../reports/repeats.ts';
import { makeMatrix, makeRepeated, makeResult } from '../../fixtures/make-result.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const CLI = join(ROOT, 'bench', 'cli', 'compare.ts');
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cacheproof-compare-'));
  const write = async (name: string, value: unknown): Promise<void> => {
    await mkdir(join(dir, name), { recursive: true });
    await writeFile(join(dir, name, 'result.json'), JSON.stringify(value));
  };
  await write('base', makeResult());
  await write('stale-head', makeResult({ staleFactor: 10 }));
  await write('old', { ...makeResult({ durationS: 3 }), schemaVersion: 0 });
  // --runs 5 twice with one seed, and a head slowed to half the throughput and three times the latency.
  await write('runs-base', makeRepeated(5, { withFault: false }));
  await write(
    'runs-again',
    aggregateRuns(Array.from({ length: 5 }, (_v, i) => makeResult({ withFault: false, repeat: 5 + i }))),
  );
  await write('runs-slow', makeRepeated(5, { withFault: false, throughputFactor: 0.5, latencyFactor: 3 }));
  for (const result of makeMatrix({ withFault: false }))
    await write(join('matrix', result.run.strategy), result);
  await write('lease', makeResult({ strategy: 'lease', withFault: false }));
  await write('short', makeResult({ withFault: false, durationS: 20 }));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs `npm run compare` the way the package script does; resolves exit code and output. */
function compare(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr });
    });
  });
}

test('compare of a run with itself exits 0 and writes HTML and Markdown', async () => {
  const out = join(dir, 'out', 'same.html');
  const markdown = join(dir, 'out', 'same.md');
  const base = join(dir, 'base');
  const run = await compare(
    base,
    base,
    '--out',
    out,
    '--markdown',
    markdown,
    '--threshold',
    'staleReadRate<=0.001',
    '--max-regression',
    'goodput=10%',
  );
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /compare: all 2 rule checks hold/);
  assert.match(await readFile(out, 'utf8'), /<span class="badge good">passed<\/span>/);
  assert.match(await readFile(markdown, 'utf8'), /✅ \*\*all 2 rule checks hold\*\*/);
});

test('compare exits 3 and names the threshold when the head has too many stale reads', async () => {
  const run = await compare(
    join(dir, 'base'),
    join(dir, 'stale-head', 'result.json'),
    '--threshold',
    'staleReadRate<=0.001',
    '--threshold',
    'lostWrites==0',
  );
  assert.equal(run.code, 3);
  assert.match(
    run.stderr,
    /^compare: cache-aside: threshold staleReadRate<=0\.001 crossed: staleReadRate is /m,
  );
  assert.doesNotMatch(run.stderr, /lostWrites/);
});

test('compare exits 2 with one line for a bad threshold or an old schemaVersion', async () => {
  const bad = await compare(join(dir, 'base'), join(dir, 'base'), '--threshold', 'staleReadRate<<1');
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  assert.match(bad.stderr, /--threshold 'staleReadRate<<1': expected metric, operator/);

  const old = await compare(join(dir, 'base'), join(dir, 'old'));
  assert.equal(old.code, 2);
  assert.match(
    old.stderr,
    /^compare: .*old\/result\.json: schemaVersion 0 is not supported; this cacheproof reads 2 and 3\n$/,
  );

  const missing = await compare(join(dir, 'base'));
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /expected a base and a head/);
});

test('compare exits 2 with one line for an --out it cannot write or an input that is not a result', async () => {
  const base = join(dir, 'base');
  const cases: Array<[string[], RegExp]> = [
    [[base, base, '--out', dir], /^compare: --out .*: is a directory; expected a file name\n$/],
    [
      [base, base, '--markdown', '/proc/cacheproof-x.md'],
      /^compare: --markdown \/proc\/cacheproof-x\.md: cannot write \(E[A-Z]+\)\n$/,
    ],
    [['/dev/null', base], /^compare: \/dev\/null: not a result\.json file nor a directory holding one\n$/],
    [[base, '/dev/null'], /^compare: \/dev\/null: not a result\.json file nor a directory holding one\n$/],
  ];
  for (const [args, message] of cases) {
    const run = await compare(...args);
    assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, message);
  }
});

test('a forged result is refused in one line, exit 2, also under a threshold that reads the forged field', async () => {
  const forged = makeResult();
  const open = {
    ...forged,
    run: {
      ...forged.run,
      loadModel: {
        kind: 'open',
        rate: 100,
        maxInFlight: 8,
        droppedOps: '"><script>document.title="pwned"</script>',
      },
    },
  };
  await mkdir(join(dir, 'forged'), { recursive: true });
  await writeFile(join(dir, 'forged', 'result.json'), JSON.stringify(open));
  const out = join(dir, 'out', 'forged.html');
  for (const extra of [[], ['--threshold', 'droppedOps<=0']]) {
    const run = await compare(join(dir, 'base'), join(dir, 'forged'), '--out', out, ...extra);
    assert.equal(run.code, 2, run.stderr);
    assert.match(
      run.stderr,
      /^compare: .*forged\/result\.json: broken result, field run\.loadModel\.droppedOps should be a number, got string\n$/,
    );
  }
});

test('the same --runs 5 command twice passes the default rules, each listed ✓', async () => {
  const run = await compare(join(dir, 'runs-base'), join(dir, 'runs-again'));
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^ {4}✓ goodput=25% {2}goodput went from /m);
  assert.match(run.stdout, /^ {4}✓ lostWrites==0 {2}lostWrites is 0 \(median of 5 runs\)$/m);
  assert.match(run.stdout, /^compare: all \d+ rule checks hold$/m);
  assert.doesNotMatch(
    run.stdout,
    /applies to no result/,
    'default rules that cover nothing here are not noise',
  );
});

test('a slowed head exits 3 naming the rule, and --json puts only JSON on stdout', async () => {
  const run = await compare(join(dir, 'runs-base'), join(dir, 'runs-slow'), '--json');
  assert.equal(run.code, 3);
  assert.match(
    run.stderr,
    /^compare: cache-aside: max regression goodput=25% crossed: goodput went from [\d.]+ to [\d.]+ \(50% worse\), beyond the noise \(Mann–Whitney p = 0\.0079, 5 vs 5 runs\)$/m,
  );
  assert.match(run.stderr, /^ {4}✗ goodput=25%/m, 'the rule list goes to stderr with --json');
  const json = JSON.parse(run.stdout) as {
    passed: boolean;
    pairs: { rules: { rule: string; held: boolean }[] }[];
  };
  assert.equal(json.passed, false);
  assert.deepEqual(
    json.pairs[0]?.rules.filter((r) => !r.held).map((r) => r.rule),
    ['goodput=25%', 'readP99Ms=50%', 'writeP99Ms=50%'],
  );
});

test('nothing to pair, or different settings, is refused in one line, exit 2', async () => {
  const nothing = await compare(join(dir, 'matrix'), join(dir, 'lease'));
  assert.equal(nothing.code, 2);
  assert.match(
    nothing.stderr,
    /^compare: nothing to compare: base holds cache-aside, db-only, .*, head holds lease \(plan redis-latency\); no strategy is on both sides\n$/,
  );

  const differ = await compare(join(dir, 'base'), join(dir, 'short'));
  assert.equal(differ.code, 2);
  assert.match(
    differ.stderr,
    /^compare: base and head ran with different settings \(plan .* ≠ .*; duration 1m after 5s warm-up ≠ 20s after 5s warm-up\); .*--allow-different-settings compares them anyway\)\n$/,
  );
  const allowed = await compare(join(dir, 'base'), join(dir, 'short'), '--allow-different-settings');
  assert.notEqual(allowed.code, 2, allowed.stderr);
  assert.match(allowed.stdout, /^settings differ: duration: 1m after 5s warm-up → 20s after 5s warm-up$/m);
});
