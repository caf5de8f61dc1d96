import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { parseExploreArgs } from '../../../bench/explore/main.ts';
import { BUILT_IN_SCENARIOS } from '../../../bench/explore/scenarios.ts';
import { ConfigurationError } from '../../../kernel/index.ts';

const run = (args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'bench/explore/main.ts', ...args], { encoding: 'utf8' });

describe('npm run explore arguments', () => {
  it('takes a strategy or all, a scenario or every built-in one', () => {
    const all = parseExploreArgs(['--strategy', 'all']);
    assert.notEqual(all, 'help');
    if (all === 'help') return;
    assert.ok(all.strategies.includes('db-only') && all.strategies.length >= 5);
    assert.equal(all.scenarios.length, BUILT_IN_SCENARIOS.length);
    const one = parseExploreArgs([
      '--strategy',
      'cache-aside',
      '--scenario',
      'write-write',
      '--max-schedules',
      '7',
    ]);
    assert.deepEqual(
      one === 'help' ? one : [one.strategies, one.scenarios.map((s) => s.name), one.maxSchedules],
      [['cache-aside'], ['write-write'], 7],
    );
  });

  it('refuses bad input with a ConfigurationError naming the option', () => {
    for (const [args, option] of [
      [[], '--strategy'],
      [['--strategy', 'nope'], '--strategy'],
      [['--strategy', 'all', '--scenario', 'nope'], '--scenario'],
      [['--strategy', 'all', '--max-schedules', '0'], '--max-schedules'],
      [['--strategy', 'all', '--bogus'], '--bogus'],
    ] as const) {
      assert.throws(
        () => parseExploreArgs(args),
        (error: unknown) => error instanceof ConfigurationError && error.message.includes(option),
        args.join(' '),
      );
    }
  });

  it('--help lists every option and scenario; bad input is one line, exit 2', () => {
    const help = run(['--help']);
    assert.equal(help.status, 0);
    for (const word of [
      '--strategy',
      '--scenario',
      '--max-schedules',
      '--out',
      ...BUILT_IN_SCENARIOS.map((s) => s.name),
    ]) {
      assert.ok(help.stdout.includes(word), word);
    }
    const bad = run(['--strategy', 'nope']);
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  });
});
