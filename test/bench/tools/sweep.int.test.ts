import assert from 'node:assert/strict';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseSweepArgs, runSweep } from '../../../bench/tools/sweep.ts';
import { readResult } from '../../../reports/schema.ts';
import type { SweepResult } from '../../../reports/sweep.ts';
import type { RunResult } from '../../../reports/types.ts';
import { startLocalEnvironment } from '../../../services/local.ts';
import type { Environment } from '../../../services/types.ts';

let env: Environment;
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cacheproof-sweep-'));
  env = await startLocalEnvironment({ redisPersistence: 'none' });
});
after(async () => {
  await env?.stop();
  await rm(dir, { recursive: true, force: true });
});

const sink = { write: () => true } as unknown as NodeJS.WriteStream;

test('a sweep of two values runs each, writes sweep.json, sweep.html and each result with Redis command counts', async () => {
  const out = join(dir, 'ddd');
  const plan = await parseSweepArgs([
    '--strategy',
    'delayed-double-delete',
    '--vary',
    'delayMs=0,100',
    '--duration',
    '2s',
    '--warmup',
    '500ms',
    '--settle',
    '0s',
    '--clients',
    '4',
    '--keys',
    '200',
    '--seed',
    '5',
    '--out',
    out,
  ]);
  const sweep = await runSweep(plan, env, { stdout: sink, stderr: sink });
  const saved = JSON.parse(await readFile(join(out, 'sweep.json'), 'utf8')) as SweepResult;
  assert.deepEqual(saved, JSON.parse(JSON.stringify(sweep)));
  assert.deepEqual(
    saved.points.map((p) => [p.value, p.runs.length]),
    [
      ['0', 1],
      ['100', 1],
    ],
  );
  await access(join(out, 'sweep.html'));
  for (const [i, point] of saved.points.entries()) {
    const run = point.runs[0];
    assert.ok(run);
    const result = (await readResult(join(out, run.file))) as RunResult;
    assert.equal(result.run.strategyConfig.delayMs, [0, 100][i]);
    assert.equal(result.run.seed, 5);
    const commands = result.cache.commands;
    assert.ok(commands, 'Redis command counts are in the result');
    // Every ok write deletes its entry at least once: Redis counted at least that many DELs.
    const okWrites = result.throughput.writes - result.latency.failed.write.count;
    assert.ok((commands.del ?? 0) >= okWrites, `${commands.del} DELs for ${okWrites} ok writes`);
    // The probes read entries with GETRANGE over the harness's own connection; the pattern never does: subtracted.
    assert.ok(
      result.consistency.nines.some((n) => n.probes > 0),
      'probes ran',
    );
    assert.equal(commands.getrange, undefined, JSON.stringify(commands));
    assert.match(result.cache.commandsMeasuredBy ?? '', /harness commands subtracted/);
    assert.ok((run.figures.redisCommandsPerOp ?? 0) > 0);
  }
});
