import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import type { RunEnvironment } from '../../reports/types.ts';
import { PROJECT_ROOT } from '../../services/binaries.ts';

let packageVersion: string | undefined;
let commit: string | null | undefined;

/** cacheproof's version from package.json, read once. */
function cacheproofVersion(): string {
  packageVersion ??= String(
    (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version?: unknown }).version ??
      'unknown',
  );
  return packageVersion;
}

/** The checkout's commit, `-dirty` when tracked files changed; null outside a git checkout. */
function gitCommit(): string | null {
  if (commit !== undefined) return commit;
  try {
    const git = (args: string[]): string =>
      execFileSync('git', args, {
        cwd: PROJECT_ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    const head = git(['rev-parse', 'HEAD']);
    commit = git(['status', '--porcelain', '--untracked-files=no']) === '' ? head : `${head}-dirty`;
  } catch {
    commit = null;
  }
  return commit;
}

/** What the machine looked like as a run started: taken just before each strategy runs. */
export interface HostSnapshot {
  cpus: number;
  loadAverage: number[];
}

/** CPU count and load averages now. */
export function hostSnapshot(): HostSnapshot {
  return { cpus: availableParallelism(), loadAverage: loadavg().map((l) => Math.round(l * 100) / 100) };
}

/**
 * The result's `run.env` with what is needed to run it again: the command line as given,
 * cacheproof's version and commit, Node's version, and the machine's CPUs and load at start.
 */
export function withRunEnvironment(
  env: RunEnvironment,
  host: HostSnapshot,
  argv: readonly string[],
): RunEnvironment {
  const head = gitCommit();
  return {
    ...env,
    versions: { cacheproof: cacheproofVersion(), node: process.versions.node, ...env.versions },
    commandLine: [...argv],
    ...(head === null ? {} : { gitCommit: head }),
    cpus: host.cpus,
    loadAverage: host.loadAverage,
  };
}
