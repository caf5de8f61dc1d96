import { mkdir, mkdtemp, rmdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigurationError, messageOf } from '../../kernel/index.ts';

/** The nearest existing ancestor of `dir` (itself when it exists), and whether it is a directory. */
async function nearestExisting(dir: string): Promise<{ path: string; isDirectory: boolean }> {
  let path = resolve(dir);
  for (;;) {
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
      throw new ConfigurationError(`--out ${dir}: cannot use ${path} (${error.code ?? messageOf(error)})`);
    });
    if (info !== undefined) return { path, isDirectory: info.isDirectory() };
    const parent = dirname(path);
    if (parent === path) return { path, isDirectory: false };
    path = parent;
  }
}

/**
 * Checks, before any service starts, that result files can be written under `dir`: the
 * nearest existing ancestor must be a directory the harness can create entries in, which is
 * tried (a probe directory, removed at once) rather than inferred from permission bits, so a
 * read-only file system, /proc or a directory owned by someone else are all found. Nothing
 * is left behind. Throws a one-line ConfigurationError naming `--out`.
 */
export async function checkOutDir(dir: string): Promise<void> {
  const existing = await nearestExisting(dir);
  if (!existing.isDirectory) {
    const what =
      existing.path === resolve(dir)
        ? 'exists and is not a directory'
        : `${existing.path} is not a directory`;
    throw new ConfigurationError(`--out ${dir}: ${what}; expected a directory to write result.json into`);
  }
  let probe: string;
  try {
    probe = await mkdtemp(resolve(existing.path, '.cacheproof-probe-'));
  } catch (error: unknown) {
    const code = (error as NodeJS.ErrnoException).code ?? messageOf(error);
    throw new ConfigurationError(`--out ${dir}: cannot write into ${existing.path} (${code})`);
  }
  await rmdir(probe);
}

/**
 * Creates `dir` and its missing parents one level at a time. Node 20's `mkdir(…, { recursive:
 * true })` never returns on procfs (it retries the parent forever); this fails there instead.
 */
export async function makeDirectory(dir: string): Promise<void> {
  const missing: string[] = [];
  let path = resolve(dir);
  while ((await stat(path).catch(() => undefined)) === undefined) {
    missing.push(path);
    const parent = dirname(path);
    if (parent === path) break;
    path = parent;
  }
  for (const level of missing.reverse()) {
    await mkdir(level).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  }
}
