import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

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
});
