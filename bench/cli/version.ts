import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../services/binaries.ts';

/** The harness's version, as its package.json says: what `--version` prints (`cacheproof 0.1.0`). */
export function versionText(): string {
  const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
  };
  return `${pkg.name} ${pkg.version}\n`;
}
