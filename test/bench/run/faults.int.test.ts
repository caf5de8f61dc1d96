import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchOptions } from '../../../bench/cli/options.ts';
import { runStrategy } from '../../../bench/run/pipeline.ts';
import { assignFaultIds, residualFaults } from '../../../chaos/index.ts';
import type { PlannedFault } from '../../../chaos/types.ts';
import type { RunResult } from '../../../reports/types.ts';
import { processState } from '../../../services/processes.ts';
import { findStrategy } from '../../../strategies/registry.ts';
import { useLocalServices } from '../../fixtures/local-services.ts';
import { SERVER_NAMES, serverDescendants } from '../../fixtures/proc.ts';
import { shortRun as baseRun } from './short-run.ts';

function shortRun(faultPlan: PlannedFault[], overrides: Partial<BenchOptions> = {}): BenchOptions {
  return baseRun(5, { durationMs: 4000, faultPlan: assignFaultIds(faultPlan), ...overrides });
}

const ROOT = join(import.meta.dirname, '..', '..', '..');

describe('faults in runStrategy (real services)', () => {
  const local = useLocalServices();

  it('records a latency fault, fills its window and measures it slower inside than outside', async () => {
    const entry = findStrategy('cache-aside');
    assert.ok(entry);
    const warnings: string[] = [];
    const plan: PlannedFault[] = [
      { fault: 'latency', target: 'redis', params: { latencyMs: 50, jitterMs: 0 }, at: 1500, duration: 1000 },
    ];
    const { result, history } = await runStrategy(entry, {
      env: local.env,
      direct: local.direct,
      options: shortRun(plan),
      onEvent: (event) => {
        if (event.type === 'warning') warnings.push(event.message);
      },
    });
    assert.deepEqual(
      history.faults.map((e) => [e.id, e.phase]),
      [
        ['redis-latency#1', 'start'],
        ['redis-latency#1', 'heal'],
      ],
    );
    assert.equal(result.run.faults.length, 1);
    const [window] = result.run.faults;
    assert.ok(window);
    assert.equal(window.target, 'redis');
    assert.deepEqual(window.params, { latencyMs: 50, jitterMs: 0 });
    // Never early; late by a busy machine's scheduling and Toxiproxy's answer, under a second.
    assert.ok(window.startMs >= 1500 && window.startMs < 2500, `start ${window.startMs}`);
    assert.ok(
      window.healMs !== null && window.healMs >= 2500 && window.healMs < 3500,
      `heal ${window.healMs}`,
    );
    assert.ok(window.recoveryMs === null || typeof window.recoveryMs === 'number');
    const windows = result.faultWindows;
    assert.ok(windows);
    assert.ok(windows.inside.ops > 0 && windows.outside.ops > 0);
    assert.equal(windows.inside.ops + windows.outside.ops, history.length);
    // Every Redis command now waits 50 ms for its answer.
    assert.ok(windows.inside.latency.read.p50Ms >= 45, `inside p50 ${windows.inside.latency.read.p50Ms}`);
    assert.ok(
      windows.inside.latency.read.p50Ms > windows.outside.latency.read.p50Ms,
      `inside ${windows.inside.latency.read.p50Ms} ms, outside ${windows.outside.latency.read.p50Ms} ms`,
    );
    assert.deepEqual(await residualFaults(local.env), []);
    assert.deepEqual(warnings, []);
  });

  it('heals a Redis pause when the run is aborted in the middle of it', async () => {
    const entry = findStrategy('cache-aside');
    assert.ok(entry);
    const redisPid = local.env.processes?.pids().redis;
    assert.ok(redisPid !== undefined);
    const abort = new AbortController();
    const warnings: string[] = [];
    let stateDuringPause: string | undefined;
    const plan: PlannedFault[] = [{ fault: 'redis-pause', at: 500, duration: 20_000 }];
    const { result } = await runStrategy(entry, {
      env: local.env,
      direct: local.direct,
      options: shortRun(plan, { durationMs: 30_000 }),
      signal: abort.signal,
      onEvent: (event) => {
        if (event.type === 'warning') warnings.push(event.message);
        if (event.type !== 'load-start') return;
        // The pause falls 500 ms after the 300 ms warm-up: wait for it (bounded), then abort in it.
        void (async () => {
          const deadline = Date.now() + 15_000;
          while (processState(redisPid) !== 'T' && Date.now() < deadline) await sleep(20);
          stateDuringPause = processState(redisPid);
          abort.abort();
        })();
      },
    });
    assert.equal(stateDuringPause, 'T');
    assert.equal(result.run.interrupted, true);
    assert.ok(result.run.durationMs < 5000, `measured ${result.run.durationMs} ms`);
    const [window] = result.run.faults;
    assert.equal(window?.name, 'redis-pause');
    assert.ok(window?.healMs !== null);
    assert.equal(window?.recoveryMs, null);
    assert.deepEqual(await residualFaults(local.env), []);
    assert.notEqual(processState(redisPid), 'T');
    assert.deepEqual(
      warnings.filter((w) => w.includes('left behind') || w.includes('heal')),
      [],
    );
  });
});

describe('bench CLI interrupted with Ctrl-C in the middle of a fault', () => {
  it('exits 130, writes an interrupted result and leaves no server process behind', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cacheproof-faults-'));
    try {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          'bench/cli/bench.ts',
          '--strategy',
          'cache-aside',
          '--duration',
          '20s',
          '--warmup',
          '500ms',
          '--keys',
          '1000',
          '--fault',
          'redis-pause',
          '--seed',
          '3',
          '--out',
          out,
        ],
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.stdout.resume();
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const pid = child.pid;
      assert.ok(pid !== undefined);

      // redis-pause starts at 30% of the 20 s load: wait until the run's Redis is stopped.
      const deadline = Date.now() + 60_000;
      let servers = new Map<number, string>();
      let pausedRedis: number | undefined;
      while (Date.now() < deadline && pausedRedis === undefined) {
        await sleep(200);
        servers = new Map([...servers, ...serverDescendants(pid)]);
        pausedRedis = [...servers].find(
          ([p, name]) => name === 'redis-server' && processState(p) === 'T',
        )?.[0];
      }
      assert.ok(pausedRedis !== undefined, `Redis never paused; stderr: ${stderr}`);
      assert.deepEqual(new Set(servers.values()), new Set(SERVER_NAMES));
      process.kill(pid, 'SIGINT');

      const bound = new AbortController();
      const code = await Promise.race([
        exited,
        sleep(60_000, 'timeout' as const, { signal: bound.signal }).catch(() => 'timeout' as const),
      ]);
      bound.abort();
      assert.equal(code, 130, `stderr: ${stderr}`);
      const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunResult;
      assert.equal(result.run.interrupted, true);
      assert.equal(result.run.faults[0]?.name, 'redis-pause');
      assert.ok(result.run.faults[0]?.healMs !== null);
      const left = [...servers].filter(([p]) => processState(p) !== undefined && processState(p) !== 'Z');
      assert.deepEqual(left, []);
      assert.ok(!stderr.includes('left behind'), stderr);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
