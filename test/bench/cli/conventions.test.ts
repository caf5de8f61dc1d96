import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { withConfigFile } from '../../../bench/cli/config-file.ts';
import { finalLine } from '../../../bench/cli/final-line.ts';
import { npmSwallowedHint } from '../../../bench/cli/npm-hint.ts';
import { type BenchOptions, OPTION_SPEC, parseBenchArgs } from '../../../bench/cli/options.ts';
import {
  formatLeft,
  formatProgress,
  PROGRESS_WIDTH,
  type ProgressContext,
  runProgress,
} from '../../../bench/cli/progress.ts';
import type { ProgressSample, RunEvent } from '../../../bench/run/types.ts';
import { COLOURED, ConfigurationError, colourEnabled, PLAIN } from '../../../kernel/index.ts';
import { makeResult } from '../../fixtures/make-result.ts';

const STRATEGIES = ['db-only', 'cache-aside', 'lease', 'delayed-double-delete'];
const parse = (...argv: string[]) => parseBenchArgs(argv, STRATEGIES, () => 1);
const options = (...argv: string[]): BenchOptions => {
  const command = parse(...argv);
  assert.equal(command.kind, 'run');
  return (command as { options: BenchOptions }).options;
};
const refusal = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ConfigurationError, String(error));
    assert.ok(!error.message.includes('\n'), error.message);
    return error.message;
  }
  assert.fail('expected a ConfigurationError');
};

describe('--strategy lists', () => {
  it('takes a comma-separated subset and repeats, in order, without duplicates; several are a matrix', () => {
    assert.deepEqual(options('--strategy', 'cache-aside,lease').strategies, ['cache-aside', 'lease']);
    const repeated = options(
      '--strategy',
      'lease',
      '--strategy',
      'db-only',
      '--strategy',
      'lease,cache-aside',
    );
    assert.deepEqual(repeated.strategies, ['lease', 'db-only', 'cache-aside']);
    assert.equal(repeated.matrix, true);
    const one = options('--strategy', 'lease');
    assert.deepEqual([one.strategies, one.matrix], [['lease'], false]);
    assert.equal(options('--strategy', 'lease,lease').matrix, false, 'one strategy twice is one strategy');
    assert.deepEqual(options('--strategy', 'all').strategies, STRATEGIES);
    assert.deepEqual(options('--strategy', 'lease', '--strategy', 'all').strategies, STRATEGIES, 'the union');
  });

  it('refuses an unknown name in a list and an empty name, in one line', () => {
    assert.equal(
      refusal(() => parse('--strategy', 'cache-aside,leese')),
      "--strategy: unknown strategy 'leese'; expected one of db-only, cache-aside, lease, delayed-double-delete or all",
    );
    assert.match(
      refusal(() => parse('--strategy', 'lease,')),
      /^--strategy 'lease,': an empty name/,
    );
  });

  it('answers --version, and records --json and --quiet', () => {
    assert.deepEqual(parse('--version'), { kind: 'version' });
    const o = options('--strategy', 'lease', '--json', '--quiet');
    assert.deepEqual([o.json, o.quiet], [true, true]);
    assert.equal(options('--strategy', 'lease').json, undefined);
  });
});

describe('--config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cacheproof-config-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('reads the long option names, and the command line wins, repeatable options included', () => {
    const config = file(
      'good.json',
      JSON.stringify({
        strategy: ['cache-aside', 'lease'],
        duration: '3s',
        keys: 500,
        'keep-history': true,
        'cold-cache': false,
        fault: ['redis-latency'],
        seed: -1,
      }),
    );
    const merged = withConfigFile(['--config', config, '--seed', '9', '--strategy', 'db-only'], OPTION_SPEC);
    const o = options(...merged);
    assert.deepEqual(o.strategies, ['db-only'], 'the command line replaces the file');
    assert.equal(o.seed, 9);
    assert.equal(o.durationMs, 3000);
    assert.equal(o.workload.keys, 500);
    assert.equal(o.keepHistory, true);
    assert.equal(o.warmCache, true, 'false leaves the switch off');
    assert.deepEqual(o.faultSpecs, ['redis-latency']);
    // Without the override, the file's negative seed reaches validation and is refused there.
    assert.match(
      refusal(() => parse(...withConfigFile(['--config', config], OPTION_SPEC))),
      /^--seed: expected an integer from 0 to \d+, got '-1'$/,
    );
    assert.deepEqual(withConfigFile(['--strategy', 'lease'], OPTION_SPEC), ['--strategy', 'lease']);
  });

  it('refuses an unknown key, a wrong type, a non-object, bad JSON and a missing file in one line', () => {
    const cases: [string, RegExp][] = [
      [file('typo.json', '{"duraton": "3s"}'), /: unknown key 'duraton'; keys are the long option names/],
      [
        file('type.json', '{"duration": {"s": 3}}'),
        /: key 'duration' expects a string or a number, got \{"s":3\}$/,
      ],
      [file('array.json', '{"seed": [1, 2]}'), /: key 'seed' takes one value, got an array$/],
      [
        file('switch.json', '{"keep-history": "yes"}'),
        /: key 'keep-history' expects true or false, got "yes"$/,
      ],
      [file('help.json', '{"help": true}'), /: key 'help' cannot be set in a config file/],
      [file('list.json', '["strategy"]'), /: expected a JSON object whose keys are option names/],
      [file('broken.json', '{"strategy": '), /: not JSON \(/],
      [join(dir, 'missing.json'), /: cannot read it \(ENOENT\)$/],
    ];
    for (const [path, message] of cases) {
      const said = refusal(() => withConfigFile(['--config', path], OPTION_SPEC));
      assert.ok(said.startsWith(`--config ${path}: `), said);
      assert.match(said, message);
    }
  });
});

describe('the npm hint', () => {
  const env = (extra: Record<string, string>): NodeJS.ProcessEnv => ({
    npm_lifecycle_event: 'bench',
    npm_lifecycle_script: 'exec node --import tsx bench/cli/bench.ts',
    ...extra,
  });
  const runs = /bench\/cli\/bench\.ts/;

  it('says which options npm took and where the -- goes', () => {
    assert.equal(
      npmSwallowedHint(
        'cacheproof bench',
        runs,
        ['strategy', 'keep-history'],
        env({ npm_config_strategy: 'true' }),
      ),
      'cacheproof bench: npm took --strategy for itself (npm_config_strategy is set) and did not pass it on; put -- before the options: npm run bench -- --strategy …',
    );
    assert.match(
      npmSwallowedHint(
        'cacheproof bench',
        runs,
        ['strategy', 'keep-history'],
        env({ npm_config_keep_history: 'true', npm_config_strategy: 'true' }),
      ) ?? '',
      /npm took --strategy --keep-history for itself .* did not pass them on/,
    );
  });

  it('says nothing outside npm, for another script, or when no option of the tool was taken', () => {
    assert.equal(npmSwallowedHint('t', runs, ['strategy'], { npm_config_strategy: 'true' }), undefined);
    assert.equal(
      npmSwallowedHint('t', runs, ['strategy'], {
        ...env({ npm_config_strategy: 'true' }),
        npm_lifecycle_script: 'bash scripts/test.sh',
      }),
      undefined,
    );
    assert.equal(npmSwallowedHint('t', runs, ['strategy'], env({ npm_config_cache: '/x' })), undefined);
  });
});

describe('colour', () => {
  it('only on a terminal, never with NO_COLOR, and when forced', () => {
    assert.equal(colourEnabled({ isTTY: true }, {}), true);
    assert.equal(colourEnabled({ isTTY: false }, {}), false);
    assert.equal(colourEnabled({}, {}), false);
    assert.equal(colourEnabled({ isTTY: true }, { NO_COLOR: '1' }), false);
    assert.equal(colourEnabled({ isTTY: true }, { NO_COLOR: '' }), true, 'an empty NO_COLOR is unset');
    assert.equal(colourEnabled({ isTTY: true }, { TERM: 'dumb' }), false);
    assert.equal(colourEnabled({ isTTY: false }, { FORCE_COLOR: '1' }), true);
    assert.equal(colourEnabled({ isTTY: false }, { FORCE_COLOR: '0' }), false);
    assert.equal(colourEnabled({ isTTY: true }, { FORCE_COLOR: '1', NO_COLOR: '1' }), false);
    assert.equal(COLOURED.good('✓'), '\x1b[32m✓\x1b[39m');
    assert.equal(PLAIN.bad('✗'), '✗');
  });
});

describe('the progress line', () => {
  const context: ProgressContext = {
    label: 'delayed-double-delete',
    position: { index: 12, total: 40 },
    warmupMs: 2000,
    durationMs: 90_000,
    faults: [{ id: 'latency#1', fault: 'latency', at: 1000, duration: 2000 }],
  };
  const sample = (over: Partial<ProgressSample>): ProgressSample => ({
    phase: 'measuring',
    elapsedMs: 3500,
    measuredMs: 1500,
    ops: 123_456,
    errors: 7,
    staleSoFar: 3,
    ...over,
  });

  it('shows position, phase, time left and the fault in effect, and fits 80 columns', () => {
    const measuring = formatProgress(context, { phase: 'measuring', sample: sample({}), opsPerSec: 21345.4 });
    assert.ok(measuring.length <= PROGRESS_WIDTH, measuring);
    assert.equal(
      measuring,
      '[12/40] delayed-double-delete measuring 1m29s left · fault latency#1',
      'what does not fit 80 columns is dropped from the end',
    );
    const wide = formatProgress(context, { phase: 'measuring', sample: sample({}), opsPerSec: 1 }, 200);
    assert.equal(
      wide,
      '[12/40] delayed-double-delete measuring 1m29s left · fault latency#1 · 1 ops/s · 7 errors · 3 stale so far',
    );
    const after = formatProgress(context, { phase: 'measuring', sample: sample({ measuredMs: 3000 }) }, 200);
    assert.doesNotMatch(after, /fault/, 'healed at at + duration');
    const warmUp = formatProgress(context, {
      phase: 'warm-up',
      sample: sample({ phase: 'warm-up', elapsedMs: 500, measuredMs: 0 }),
    });
    assert.match(warmUp, / warm-up 1m32s left · /);
    assert.equal(
      formatProgress({ ...context, position: undefined }, { phase: 'checking' }),
      'delayed-double-delete checking',
    );
    const long = formatProgress({ ...context, label: 'x'.repeat(120) }, { phase: 'draining' });
    assert.equal(long.length, PROGRESS_WIDTH);
    assert.deepEqual(
      [formatLeft(0), formatLeft(1), formatLeft(59_001), formatLeft(65_000)],
      ['0s', '1s', '1m00s', '1m05s'],
    );
  });

  /** A stream that keeps what is written to it. */
  const capture = (isTTY: boolean, columns = 200) => {
    const chunks: string[] = [];
    const out = Object.assign(
      {
        write: (chunk: string) => {
          chunks.push(chunk);
          return true;
        },
      },
      { isTTY, columns },
    ) as unknown as NodeJS.WritableStream & { isTTY: boolean; columns: number };
    return { out, text: () => chunks.join(''), chunks };
  };
  const events = (current: () => ProgressSample): RunEvent[] => [
    { type: 'phase', phase: 'preparing' },
    { type: 'phase', phase: 'load' },
    { type: 'load-start', sample: current },
  ];

  it('off a terminal, prints a line per phase change only, no carriage return', async () => {
    const { out, text } = capture(false);
    let now = sample({ phase: 'warm-up', measuredMs: 0, elapsedMs: 100 });
    const progress = runProgress(out, { ...context, position: undefined });
    for (const event of events(() => now)) progress.onEvent(event);
    now = sample({ phase: 'measuring' });
    // The sampler runs every 250 ms: wait (bounded) for it to see the new phase.
    const deadline = Date.now() + 10_000;
    while (!text().includes('measuring') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 600));
    progress.onEvent({ type: 'load-stop' });
    progress.onEvent({ type: 'phase', phase: 'winding-down' });
    progress.onEvent({ type: 'warning', message: 'slow drain' });
    progress.onEvent({ type: 'phase', phase: 'observing' });
    progress.onEvent({ type: 'phase', phase: 'analysing' });
    progress.stop();
    const lines = text()
      .split('\n')
      .filter((l) => l !== '');
    assert.deepEqual(
      lines.map((l) => l.replace(/^delayed-double-delete (\S+).*$/, '$1')),
      [
        'preparing',
        'warm-up',
        'measuring',
        'draining',
        '[delayed-double-delete] warning: slow drain',
        'checking',
      ],
    );
    assert.doesNotMatch(text(), /\r/);
  });

  it('a terminal that reports 0 columns is taken as 80 wide, a narrow one is respected', () => {
    for (const [columns, width] of [
      [0, PROGRESS_WIDTH],
      [40, 39],
    ] as const) {
      const { out, chunks } = capture(true, columns);
      const progress = runProgress(out, context);
      for (const event of events(() => sample({}))) progress.onEvent(event);
      progress.stop();
      const longest = Math.max(...chunks.map((c) => c.replace('\r', '').replace('\x1b[K', '').length));
      assert.ok(longest <= width && longest > width - 15, `${columns} columns: ${longest}`);
    }
  });

  it('on a terminal, rewrites one line in place and clears it at the end', () => {
    const { out, text, chunks } = capture(true);
    const progress = runProgress(out, context);
    for (const event of events(() => sample({}))) progress.onEvent(event);
    progress.onEvent({ type: 'warning', message: 'cache warmed for 3 of 9 keys' });
    progress.onEvent({ type: 'load-stop' });
    progress.stop();
    assert.ok(chunks.every((c) => c.startsWith('\r') || c.startsWith('[delayed-double-delete] warning')));
    const warning = '\r\x1b[K[delayed-double-delete] warning: cache warmed for 3 of 9 keys\n';
    assert.ok(text().includes(warning), 'the line is cleared before a warning');
    assert.ok(!text().replace(warning, '').includes('\n'), 'no line left behind but the warning');
    assert.ok(text().endsWith('\r\x1b[K'), JSON.stringify(text().slice(-40)));
    assert.match(text(), /\[12\/40\] delayed-double-delete measuring 1m29s left · fault latency#1/);
  });
});

describe('--quiet final line', () => {
  it('says passed or failed, what ran and where, on one line', () => {
    const one = makeResult({ strategy: 'cache-aside', withFault: false });
    one.thresholds = [
      { rule: 'lostWrites==0', metric: 'lostWrites', held: true, actual: 0, detail: 'lostWrites is 0' },
    ];
    assert.match(
      finalLine([one], 0, 'out/result.json', false),
      /^cacheproof bench: passed: cache-aside (consistent|ANOMALIES), \d+ ok ops\/s; thresholds 1\/1 held · out\/result\.json\n$/,
    );
    assert.match(
      finalLine([one, one], 1, 'out', false),
      /^cacheproof bench: failed: 2 results, .*; 1 of 2 threshold checks crossed · out\n$/,
    );
    assert.match(
      finalLine([], 0, undefined, true),
      /^cacheproof bench: interrupted: 0 results, 0 consistent; no thresholds\n$/,
    );
  });
});
