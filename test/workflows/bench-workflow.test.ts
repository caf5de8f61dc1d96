import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { FAULT_PRESETS } from '../../chaos/presets.ts';
import { findFaultKind } from '../../chaos/registry.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const WORKFLOW = join(ROOT, '.github', 'workflows', 'bench.yml');
/** A workflow expression, `${{ … }}`. */
const EXPR = (inner: string): string => `$${'{'}{ ${inner} }}`;
/** Built by `npm run setup` next to Toxiproxy. */
const ACTIONLINT = join(ROOT, '.tools', 'bin', 'actionlint');

/** actionlint's findings on a workflow file, as its JSON output lists them. */
function lint(file: string): {
  status: number | null;
  findings: { message: string; line: number }[];
  stderr: string;
} {
  const run = spawnSync(ACTIONLINT, ['-format', '{{json .}}', file], { encoding: 'utf8', timeout: 60_000 });
  const findings =
    run.stdout.trim() === '' ? [] : (JSON.parse(run.stdout) as { message: string; line: number }[]);
  return { status: run.status, findings, stderr: run.stderr };
}

describe('.github/workflows/bench.yml', () => {
  it('has no actionlint finding (and actionlint does find a broken workflow)', (t) => {
    if (!existsSync(ACTIONLINT)) {
      assert.notEqual(process.env.CI, 'true', `${ACTIONLINT} is missing under CI: npm run setup builds it`);
      t.skip(`${ACTIONLINT} is not built (npm run setup builds it with go install); not in CI, so skipped`);
      return;
    }
    const result = lint(WORKFLOW);
    assert.deepEqual(
      result.findings.map((f) => `line ${f.line}: ${f.message}`),
      [],
    );
    assert.equal(result.status, 0, result.stderr);

    const dir = mkdtempSync(join(tmpdir(), 'cacheproof-actionlint-'));
    try {
      const broken = join(dir, 'broken.yml');
      writeFileSync(
        broken,
        // An expression on a step that does not exist, and a context property that does not.
        `on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${EXPR('steps.nope.outputs.x')}\n        if: ${EXPR('github.nothing')}\n`,
      );
      const found = lint(broken);
      assert.equal(found.status, 1);
      assert.ok(found.findings.length > 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('offers every preset that runs on one MySQL as a choice, installs no browser, and compares with the script', () => {
    const workflow = parse(readFileSync(WORKFLOW, 'utf8')) as {
      on: {
        workflow_dispatch: { inputs: Record<string, { type: string; options?: string[]; default?: string }> };
      };
      env: Record<string, string>;
      jobs: { bench: { steps: { uses?: string; run?: string; with?: Record<string, string> }[] } };
    };
    const fault = workflow.on.workflow_dispatch.inputs.fault;
    assert.equal(fault?.type, 'choice');
    // replica-lag needs a MySQL replica, redis-failover a Redis Cluster: neither runs on the single
    // topologies; app-crash needs --workers, which the workflow's runs do not use; the invalidator
    // presets need cdc-invalidate alone (it runs --strategy all).
    const single = FAULT_PRESETS.filter(
      (p) =>
        p.name !== 'replica-lag' &&
        p.name !== 'redis-failover' &&
        p.name !== 'app-crash' &&
        !p
          .plan(10_000, 1, { processes: true })
          .some((entry) => findFaultKind(entry.fault)?.needsInvalidator !== undefined),
    ).map((p) => p.name);
    assert.deepEqual([...(fault?.options ?? [])].sort(), [...single].sort());
    assert.equal(workflow.env.CACHEPROOF_SKIP_BROWSER, '1');
    const steps = workflow.jobs.bench.steps;
    const go = steps.find((s) => s.uses?.startsWith('actions/setup-go@'));
    // Toxiproxy v2.12.0's go.mod says go 1.23.0, actionlint v1.7.12's go 1.25.0.
    assert.equal(go?.with?.['go-version'], '1.25');
    assert.ok(steps.some((s) => s.run?.includes('bash scripts/ci-bench-compare.sh')));
    assert.ok(
      steps.some((s) => s.uses?.startsWith('actions/download-artifact@') && s.with?.['run-id'] !== undefined),
    );
    assert.ok(steps.some((s) => s.run?.includes('$GITHUB_STEP_SUMMARY')));
    const setup = readFileSync(join(ROOT, 'scripts', 'setup.sh'), 'utf8');
    assert.match(setup, /ACTIONLINT_VERSION="v1\.7\.12"/);
  });
});
