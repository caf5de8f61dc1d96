import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRng } from '../../../kernel/index.ts';
import { validateResult } from '../../../reports/schema.ts';
import type { RunResult } from '../../../reports/types.ts';
import { descendants, type ProcInfo, processTable, serverName, stillRuns } from '../../fixtures/proc.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const SEED = 20_240_611;
const TRIALS = 12;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGKILL'] as const;
/** How often the harness's process tree is read while it runs. */
const POLL_MS = 20;
/** Longest a harness may take to exit after SIGINT/SIGTERM (it still checks and writes). */
const EXIT_DEADLINE_MS = 30_000;
/** Longest the watchdog may take to clean up after the harness is gone (it polls every 0.2 s). */
const CLEANUP_DEADLINE_MS = 10_000;

/** What one trial saw of the harness while it ran. */
interface Observed {
  /** Every process ever seen under the harness: the servers, the watchdog, its sleeps. */
  processes: Map<number, ProcInfo>;
  /** The environments' temporary directories, from the watchdog's arguments. */
  envDirs: Set<string>;
}

function observe(harnessPid: number, into: Observed): void {
  for (const info of descendants(harnessPid)) {
    if (!into.processes.has(info.pid)) into.processes.set(info.pid, info);
    // sh -c <script> cacheproof-reaper <harness pid> <pid file> <dir>
    const at = info.argv.indexOf('cacheproof-reaper');
    const dir = at >= 0 ? info.argv[at + 3] : undefined;
    if (dir !== undefined) into.envDirs.add(dir);
  }
}

/** What survives of a trial: processes seen under the harness, and any process or directory of its environments. */
function survivors(observed: Observed): string[] {
  const left = [...observed.processes.values()]
    .filter(
      (info) =>
        (serverName(info) !== undefined || info.argv.includes('cacheproof-reaper')) && stillRuns(info),
    )
    .map((info) => `${serverName(info) ?? 'watchdog'} ${info.pid}`);
  // A server started in the instant before the kill, not yet seen: its arguments name the directory.
  for (const info of processTable().values()) {
    if (observed.processes.has(info.pid) || serverName(info) === undefined) continue;
    if ([...observed.envDirs].some((dir) => info.argv.some((arg) => arg.includes(dir)))) {
      left.push(`unseen ${serverName(info)} ${info.pid}`);
    }
  }
  for (const dir of observed.envDirs) if (existsSync(dir)) left.push(`directory ${dir}`);
  return left;
}

/** True once the trial's anchor is reached. */
async function anchorReached(anchor: 'watchdog' | 'servers' | 'toxic', observed: Observed): Promise<boolean> {
  if (anchor === 'watchdog') return observed.envDirs.size > 0;
  const servers = [...observed.processes.values()].filter((info) => serverName(info) !== undefined);
  if (new Set(servers.map(serverName)).size < 3) return false;
  if (anchor === 'servers') return true;
  const toxiproxy = servers.find((info) => serverName(info) === 'toxiproxy-server');
  const port = toxiproxy?.argv[toxiproxy.argv.indexOf('-port') + 1];
  try {
    const proxies = (await (await fetch(`http://127.0.0.1:${port}/proxies`)).json()) as Record<
      string,
      { toxics: unknown[] }
    >;
    return Object.values(proxies).some((proxy) => proxy.toxics.length > 0);
  } catch {
    return false;
  }
}

describe('the harness killed at random moments (its own chaos test)', () => {
  it(`${TRIALS} seeded trials of SIGINT, SIGTERM and SIGKILL leave no server, watchdog, directory or toxic`, {
    timeout: 170_000,
  }, async () => {
    const rng = createRng(SEED, 0);
    const log: string[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const signal = SIGNALS[trial % SIGNALS.length] ?? 'SIGKILL';
      // Each kill lands a seeded delay after an anchor: the watchdog's start (the environment
      // starting), the three servers up (rows loaded, warm-up, the load), or the Redis latency
      // toxic in effect, 30% into the load (the rest of it, write-behind's drain, the settle
      // time, the snapshot, the write, the services' stop).
      const anchor = (['watchdog', 'servers', 'toxic', 'toxic'] as const)[rng.nextInt(4)] ?? 'toxic';
      const delayMs = rng.nextInt(anchor === 'watchdog' ? 1500 : anchor === 'servers' ? 3000 : 1000);
      const out = mkdtempSync(join(tmpdir(), 'cacheproof-harness-chaos-'));
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          'bench/cli/bench.ts',
          '--strategy',
          'write-behind',
          '--duration',
          '1s',
          '--warmup',
          '200ms',
          '--settle',
          '600ms',
          '--keys',
          '200',
          '--fault',
          'redis-latency',
          '--seed',
          String(trial + 1),
          '--out',
          out,
        ],
        { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.on('exit', (code, exitSignal) => resolve({ code, signal: exitSignal })),
      );
      const pid = child.pid;
      assert.ok(pid !== undefined);
      const observed: Observed = { processes: new Map(), envDirs: new Set() };
      try {
        const spawnedAt = Date.now();
        const anchorDeadline = spawnedAt + 60_000;
        while (child.exitCode === null && Date.now() < anchorDeadline) {
          observe(pid, observed);
          if (await anchorReached(anchor, observed)) break;
          await sleep(POLL_MS);
        }
        const anchoredMs = Date.now() - spawnedAt;
        const killAt = Date.now() + delayMs;
        while (child.exitCode === null && Date.now() < killAt) {
          observe(pid, observed);
          await sleep(POLL_MS);
        }
        observe(pid, observed);
        const finishedFirst = child.exitCode !== null;
        if (!finishedFirst) child.kill(signal);

        const bound = new AbortController();
        const exit = await Promise.race([
          exited,
          sleep(EXIT_DEADLINE_MS, undefined, { signal: bound.signal }).then(
            () => undefined,
            () => undefined,
          ),
        ]);
        bound.abort();
        assert.ok(
          exit !== undefined,
          `trial ${trial}: no exit ${EXIT_DEADLINE_MS} ms after ${signal}; ${stderr}`,
        );
        const cleanupDeadline = Date.now() + CLEANUP_DEADLINE_MS;
        let left = survivors(observed);
        while (left.length > 0 && Date.now() < cleanupDeadline) {
          await sleep(100);
          left = survivors(observed);
        }
        // The toxics live in toxiproxy-server: none survives it.
        assert.deepEqual(left, [], `trial ${trial}: ${signal} after ${delayMs} ms left these behind`);

        const resultFile = join(out, 'result.json');
        const result = existsSync(resultFile)
          ? validateResult(JSON.parse(readFileSync(resultFile, 'utf8')) as RunResult, resultFile)
          : undefined;
        let outcome: string;
        if (finishedFirst) {
          outcome = 'finished before the signal';
          assert.equal(exit.code, 0, stderr);
        } else if (signal === 'SIGKILL') {
          outcome = 'killed';
          assert.equal(exit.signal, 'SIGKILL');
        } else if (exit.signal === signal) {
          // Before the handlers are installed (loading modules) the default action ends it:
          // nothing had started yet.
          outcome = 'ended before its handlers';
          assert.equal(observed.envDirs.size, 0, `trial ${trial}: an environment had started`);
        } else if (result !== undefined && !result.run.interrupted) {
          // The signal landed after the result was complete (stopping the services).
          outcome = 'result already complete';
          assert.equal(exit.code, 0, stderr);
        } else {
          assert.equal(exit.code, 130, `trial ${trial}: ${stderr}`);
          if (result === undefined) {
            outcome = 'interrupted before the run';
            assert.match(stderr, /interrupted before any strategy ran; nothing was written/);
          } else {
            outcome = `interrupted during ${result.run.interruptedDuring}`;
            assert.equal(result.run.interrupted, true);
            assert.ok(result.run.interruptedDuring !== undefined);
            // The heal ran on the way out: every fault that started has its heal.
            assert.ok(
              result.run.faults.every((fault) => fault.healMs !== null),
              JSON.stringify(result.run.faults),
            );
          }
        }
        assert.doesNotMatch(stderr, /cacheproof bench failed/);
        log.push(
          `trial ${trial}: ${signal} after ${anchor} (at ${anchoredMs} ms) +${delayMs} ms: ${outcome}`,
        );
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
        rmSync(out, { recursive: true, force: true });
      }
    }
    process.stdout.write(`${log.join('\n')}\n`);
  });
});
