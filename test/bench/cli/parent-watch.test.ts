import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const WATCH = fileURLToPath(new URL('../../../bench/cli/parent-watch.ts', import.meta.url));

describe('watchParent', () => {
  it('tells a process that the process that started it is gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cacheproof-parent-'));
    const marker = join(dir, 'gone');
    // The watched child writes the marker when its parent disappears; a 30 s timer keeps it
    // alive meanwhile and ends it should the watch never fire.
    const child = `import { writeFileSync } from 'node:fs';
import { watchParent } from ${JSON.stringify(WATCH)};
watchParent(() => { writeFileSync(${JSON.stringify(marker)}, 'gone'); process.exit(0); }, 50);
writeFileSync(${JSON.stringify(`${marker}.ready`)}, '');
setTimeout(() => process.exit(1), 30_000);`;
    const middle = `const { spawn } = require('node:child_process');
spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', ${JSON.stringify(child)}], { stdio: 'ignore' });
setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['-e', middle], { stdio: 'ignore' });
    try {
      const ready = Date.now() + 30_000;
      while (!existsSync(`${marker}.ready`) && Date.now() < ready) await sleep(50);
      await sleep(300);
      assert.equal(existsSync(marker), false, 'nothing happens while the parent lives');
      parent.kill('SIGKILL');
      const deadline = Date.now() + 20_000;
      while (!existsSync(marker) && Date.now() < deadline) await sleep(50);
      assert.equal(readFileSync(marker, 'utf8'), 'gone');
    } finally {
      parent.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
