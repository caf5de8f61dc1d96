import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { removeStaleStaging } from '../../services/local.ts';
import { pidExists } from '../../services/processes.ts';

const LOCAL = fileURLToPath(new URL('../../services/local.ts', import.meta.url));

/** Runs an ES module under tsx in a child node; resolves with its exit code and output, bounded. */
function runModule(
  source: string,
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', source], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child still running after ${timeoutMs}ms; stdout: ${stdout} stderr: ${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('local environment lifecycle', () => {
  it('stopping the environment leaves nothing that keeps the event loop alive', async () => {
    // An unref'd timer fires only if something else keeps the process alive for 2.5 s after
    // stop() returned: the bug kept 5 s kill-bound timers pending, so the child exited 9.
    const { code, stdout, stderr } = await runModule(
      `import { startLocalEnvironment } from ${JSON.stringify(LOCAL)};
const env = await startLocalEnvironment();
await env.stop();
console.log('stopped');
setTimeout(() => {
  console.log('still alive: ' + JSON.stringify(process.getActiveResourcesInfo()));
  process.exit(9);
}, 2500).unref();`,
      60_000,
    );
    assert.equal(code, 0, `stdout: ${stdout} stderr: ${stderr}`);
    assert.match(stdout, /stopped/);
  });

  it('removes MariaDB staging directories whose owner is gone, and only those', async () => {
    const cacheRoot = mkdtempSync(join(tmpdir(), 'cacheproof-cache-'));
    try {
      const dead = spawnSync(process.execPath, ['-e', '0']).pid;
      assert.ok(dead !== undefined && !pidExists(dead));
      const names = {
        killed: `mariadb-staging-${dead}-AbC123`,
        running: `mariadb-staging-${process.pid}-XyZ789`,
        unownedOld: 'mariadb-staging-Qw12Er',
        unownedNew: 'mariadb-staging-Ty34Ui',
        template: 'mariadb-datadir-10.11',
      };
      for (const name of Object.values(names)) mkdirSync(join(cacheRoot, name, 'data'), { recursive: true });
      const hourAgo = new Date(Date.now() - 3_600_000);
      utimesSync(join(cacheRoot, names.unownedOld), hourAgo, hourAgo);
      const removed = await removeStaleStaging(cacheRoot);
      assert.deepEqual(
        removed.sort(),
        [join(cacheRoot, names.killed), join(cacheRoot, names.unownedOld)].sort(),
      );
      assert.deepEqual(
        readdirSync(cacheRoot).sort(),
        [names.running, names.unownedNew, names.template].sort(),
      );
    } finally {
      rmSync(cacheRoot, { recursive: true, force: true });
    }
  });

  it('the watchdog cleans up after a killed harness that its parent never reaps (a zombie)', async () => {
    // `exec sleep` replaces the shell, so the harness's parent is a process that never waits:
    // once killed, the harness stays a zombie, which kill -0 alone takes for alive.
    const harness = `import { startLocalEnvironment } from ${JSON.stringify(LOCAL)};
const env = await startLocalEnvironment();
console.log(JSON.stringify({ pid: process.pid, pids: env.processes.pids() }));
setInterval(() => {}, 1000);`;
    const info = join(mkdtempSync(join(tmpdir(), 'cacheproof-zombie-')), 'info.json');
    const parent = spawn(
      'sh',
      ['-c', 'node --import tsx --input-type=module -e "$1" > "$2" & exec sleep 120', 'sh', harness, info],
      { stdio: 'ignore' },
    );
    try {
      let started: { pid: number; pids: Record<string, number | undefined> } | undefined;
      const deadline = Date.now() + 60_000;
      while (started === undefined && Date.now() < deadline) {
        await sleep(100);
        try {
          started = JSON.parse(readFileSync(info, 'utf8'));
        } catch {
          started = undefined;
        }
      }
      assert.ok(started, 'the harness started its environment');
      const servers = Object.values(started.pids).filter((pid): pid is number => pid !== undefined);
      assert.equal(servers.length, 3);
      process.kill(started.pid, 'SIGKILL');
      const gone = Date.now() + 20_000;
      while (servers.some(pidExists) && Date.now() < gone) await sleep(100);
      assert.deepEqual(servers.filter(pidExists), [], 'the servers of the zombie harness are killed');
    } finally {
      parent.kill('SIGKILL');
      rmSync(join(info, '..'), { recursive: true, force: true });
    }
  });
});
