import { ConfigurationError } from '../kernel/index.ts';
import { startDockerEnvironment } from './docker.ts';
import { type ExternalEnvironmentOptions, startExternalEnvironment } from './external.ts';
import { startLocalEnvironment } from './local.ts';
import { checkTopology } from './topology.ts';
import type { Environment, EnvironmentKind, LocalEnvironmentOptions } from './types.ts';

/** The environments `--env` accepts. */
export const ENVIRONMENT_KINDS: readonly EnvironmentKind[] = ['local', 'external', 'docker'];

/** Options for any environment; each kind reads the ones it understands. */
export type EnvironmentOptions = LocalEnvironmentOptions & ExternalEnvironmentOptions;

/** Parses `--env`, or throws a {@link ConfigurationError} listing the valid values. */
export function parseEnvironmentKind(value: string): EnvironmentKind {
  if ((ENVIRONMENT_KINDS as readonly string[]).includes(value)) return value as EnvironmentKind;
  throw new ConfigurationError(
    `--env: unknown environment '${value}'; expected one of ${ENVIRONMENT_KINDS.join(', ')}`,
  );
}

/**
 * Starts (local: processes, docker: containers) or connects to (external) the services of the
 * chosen environment; a topology the environment cannot provide is a {@link ConfigurationError}.
 */
export async function startEnvironment(
  kind: EnvironmentKind,
  options: EnvironmentOptions = {},
): Promise<Environment> {
  checkTopology(kind, { db: options.dbTopology ?? 'single', cache: options.cacheTopology ?? 'single' });
  switch (kind) {
    case 'local':
      return startLocalEnvironment(options);
    case 'external':
      return startExternalEnvironment(options);
    case 'docker':
      return startDockerEnvironment(options);
  }
}

export {
  CACHE_TOPOLOGIES,
  checkTopology,
  DB_TOPOLOGIES,
  parseCacheTopology,
  parseDbTopology,
  SINGLE_TOPOLOGY,
} from './topology.ts';
