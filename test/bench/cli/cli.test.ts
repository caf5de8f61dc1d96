import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = join(import.meta.dirname, '..', '..', '..');

function bench(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'bench/cli/bench.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('bench CLI without services', () => {
  it('refuses bad input with one line and exit code 2, before any service starts', () => {
    const out = mkdtempSync(join(tmpdir(), 'cacheproof-cli-'));
    try {
      const cases: Array<[string[], string]> = [
        [['--workload', 'ycsb-z'], "--workload: unknown workload 'ycsb-z'"],
        [['--duration', '-5s'], "--duration: expected a positive duration like 500ms, 10s or 2m, got '-5s'"],
        [['--duration', '0s'], "--duration: expected a positive duration like 500ms, 10s or 2m, got '0s'"],
        [
          ['--duration', 'soon'],
          "--duration: expected a positive duration like 500ms, 10s or 2m, got 'soon'",
        ],
        [['--clients', '4', '--rate', '100'], '--clients and --rate: choose one load model'],
        [
          ['--db-topology', 'primary-replica'],
          '--db-topology primary-replica: the external environment provides single only; use --env local',
        ],
        [
          ['--read-from', 'replica'],
          '--read-from replica: needs --db-topology primary-replica (the single topology has no replica)',
        ],
        [
          ['--fault', 'replica-lag'],
          '--fault replica-lag needs --db-topology primary-replica (there is no replication link to act on)',
        ],
        [
          ['--cache-topology', 'cluster'],
          '--cache-topology cluster: the external environment provides single only; use --env local',
        ],
        [
          ['--fault', 'redis-failover'],
          '--fault redis-failover needs --cache-topology cluster (there is no Redis Cluster to fail over)',
        ],
      ];
      for (const [args, message] of cases) {
        // --env external with unreachable URLs: had a service been contacted, the error would name it.
        const result = spawnSync(
          process.execPath,
          [
            '--import',
            'tsx',
            'bench/cli/bench.ts',
            '--strategy',
            'db-only',
            '--env',
            'external',
            '--out',
            out,
            ...args,
          ],
          {
            cwd: ROOT,
            encoding: 'utf8',
            timeout: 30_000,
            env: {
              ...process.env,
              CACHEPROOF_REDIS_URL: 'redis://127.0.0.1:1',
              CACHEPROOF_MYSQL_URL: 'mysql://x:y@127.0.0.1:1/bench',
            },
          },
        );
        assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
        assert.equal(result.stdout, '');
        const lines = result.stderr.trimEnd().split('\n');
        assert.equal(lines.length, 1, result.stderr);
        assert.ok(lines[0]?.startsWith(`cacheproof bench: ${message}`), lines[0]);
        assert.equal(existsSync(join(out, 'result.json')), false);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('an unknown --env, and an external service that does not answer, are one line and exit 2', () => {
    const unknownEnv = bench('--strategy', 'db-only', '--env', 'cloud');
    assert.equal(unknownEnv.status, 2);
    assert.equal(
      unknownEnv.stderr,
      "cacheproof bench: --env: unknown environment 'cloud'; expected one of local, external, docker\n",
    );
    const unreachable = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'bench/cli/bench.ts',
        '--strategy',
        'db-only',
        '--env',
        'external',
        '--duration',
        '1s',
      ],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 30_000,
        env: { ...process.env, CACHEPROOF_REDIS_URL: 'redis://127.0.0.1:1' },
      },
    );
    assert.equal(unreachable.status, 2, unreachable.stderr);
    assert.match(
      unreachable.stderr,
      /^cacheproof bench: CACHEPROOF_REDIS_URL: no Redis answers PING at 127\.0\.0\.1:1; [^\n]*\n$/,
    );
  });

  it('refuses an --out it cannot write into with one line and exit 2, before any service starts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cacheproof-out-'));
    try {
      const file = join(dir, 'taken');
      writeFileSync(file, 'x');
      const locked = join(dir, 'locked');
      mkdirSync(locked, { mode: 0o555 });
      const cases: Array<[string, RegExp]> = [
        [file, /--out .*taken: exists and is not a directory; expected a directory/],
        [join(file, 'sub'), /--out .*taken\/sub: .*taken is not a directory; expected a directory/],
        // Node 20's recursive mkdir never returns on procfs: the check must not hang there.
        ['/proc/cacheproof-x', /--out \/proc\/cacheproof-x: cannot write into \/proc \(E[A-Z]+\)/],
      ];
      // Permission bits do not stop root.
      if (process.getuid?.() !== 0)
        cases.push([join(locked, 'run'), /cannot write into .*locked \(EACCES\)/]);
      for (const [out, message] of cases) {
        const result = spawnSync(
          process.execPath,
          [
            '--import',
            'tsx',
            'bench/cli/bench.ts',
            '--strategy',
            'db-only',
            '--env',
            'external',
            '--out',
            out,
          ],
          {
            cwd: ROOT,
            encoding: 'utf8',
            timeout: 30_000,
            env: { ...process.env, CACHEPROOF_REDIS_URL: 'redis://127.0.0.1:1' },
          },
        );
        assert.equal(result.status, 2, `${out}: ${result.stderr}`);
        const lines = result.stderr.trimEnd().split('\n');
        assert.equal(lines.length, 1, result.stderr);
        assert.match(lines[0] ?? '', new RegExp(`^cacheproof bench: ${message.source}`));
      }
      assert.deepEqual(readdirSync(dir).sort(), ['locked', 'taken'], 'the check leaves nothing behind');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the known strategies for an unknown one', () => {
    const result = bench('--strategy', 'nope');
    assert.equal(result.status, 2);
    assert.match(
      result.stderr,
      /^cacheproof bench: --strategy: unknown strategy 'nope'; expected one of .*db-only.* or all\n$/,
    );
  });

  it('prints help and the list with exit code 0', () => {
    const help = bench('--help');
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^Usage: npm run bench -- --strategy <name\|all> \[options\]/);
    const list = bench('--list');
    assert.equal(list.status, 0);
    assert.match(list.stdout, /^Strategies\n(.|\n)*db-only(.|\n)*Workloads\n(.|\n)*ycsb-a/);
  });
});
