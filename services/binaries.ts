import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ConfigurationError } from '../kernel/index.ts';

const execFileAsync = promisify(execFile);

/** The project root (services/ sits one level below it). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Paths of the server binaries the local environment runs. */
export interface ServiceBinaries {
  redisServer: string;
  mariadbd: string;
  mariadbInstallDb: string;
  toxiproxyServer: string;
}

const SETUP_HINT = "run 'npm run setup' (installs Redis and MariaDB with apt-get and builds Toxiproxy)";

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Finds the first of `names` on PATH or in the extra directories (sbin is often off a user's PATH). */
async function findOnPath(names: string[], extraDirs: string[] = []): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter((d) => d !== ''), ...extraDirs];
  for (const name of names) {
    for (const dir of dirs) {
      const candidate = join(dir, name);
      if (await isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

/**
 * Locates every binary the local environment needs, or throws a {@link ConfigurationError}
 * naming what is missing and how to install it. `CACHEPROOF_TOXIPROXY_BIN` overrides the
 * Toxiproxy path.
 */
export async function findServiceBinaries(): Promise<ServiceBinaries> {
  const sbin = ['/usr/sbin', '/usr/local/sbin', '/sbin'];
  const redisServer = await findOnPath(['redis-server'], sbin);
  const mariadbd = await findOnPath(['mariadbd', 'mysqld'], sbin);
  const mariadbInstallDb = await findOnPath(['mariadb-install-db', 'mysql_install_db'], sbin);
  const toxiproxyCandidate =
    process.env.CACHEPROOF_TOXIPROXY_BIN ?? join(PROJECT_ROOT, '.tools', 'bin', 'toxiproxy-server');
  const toxiproxyServer = (await isExecutable(toxiproxyCandidate)) ? toxiproxyCandidate : undefined;
  const missing = [
    redisServer === undefined ? 'redis-server' : undefined,
    mariadbd === undefined ? 'mariadbd' : undefined,
    mariadbInstallDb === undefined ? 'mariadb-install-db' : undefined,
    toxiproxyServer === undefined ? `toxiproxy-server (looked for ${toxiproxyCandidate})` : undefined,
  ].filter((name): name is string => name !== undefined);
  if (
    missing.length > 0 ||
    redisServer === undefined ||
    mariadbd === undefined ||
    mariadbInstallDb === undefined ||
    toxiproxyServer === undefined
  ) {
    throw new ConfigurationError(`missing ${missing.join(', ')}: ${SETUP_HINT}`);
  }
  return { redisServer, mariadbd, mariadbInstallDb, toxiproxyServer };
}

/** Runs `binary --version` and returns the version number it prints (or its first line). */
export async function binaryVersion(binary: string, pattern: RegExp): Promise<string> {
  const { stdout, stderr } = await execFileAsync(binary, ['--version'], { timeout: 5000 });
  const text = `${stdout}${stderr}`;
  const match = pattern.exec(text);
  return match?.[1] ?? text.split('\n')[0]?.trim() ?? 'unknown';
}

/**
 * Finds `redis-cli` (installed with redis-server), which creates the local Redis Cluster.
 * @throws ConfigurationError when it is missing.
 */
export async function findRedisCli(): Promise<string> {
  const found = await findOnPath(['redis-cli'], ['/usr/sbin', '/usr/local/sbin', '/sbin']);
  if (found === undefined)
    throw new ConfigurationError(`missing redis-cli (for --cache-topology cluster): ${SETUP_HINT}`);
  return found;
}
