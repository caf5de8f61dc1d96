import { ConfigurationError } from '../kernel/index.ts';
import type { DbTopology, EnvironmentKind, EnvironmentTopology } from './types.ts';

/** The layouts `--db-topology` accepts; the first is the default. */
export const DB_TOPOLOGIES: readonly DbTopology[] = ['single', 'primary-replica'];

/** One MySQL server and one Redis server: what every environment provides. */
export const SINGLE_TOPOLOGY: EnvironmentTopology = Object.freeze({ db: 'single', cache: 'single' });

/**
 * The MySQL layouts each environment can bring up. Only `local` starts a replica: `external`
 * reads one MySQL URL, and `docker` starts one MySQL container (docker-compose.yml's `replica`
 * profile runs a replica for a later external topology, see README "Topologies").
 */
const DB_TOPOLOGIES_BY_ENVIRONMENT: Record<EnvironmentKind, readonly DbTopology[]> = {
  local: ['single', 'primary-replica'],
  external: ['single'],
  docker: ['single'],
};

/** Parses `--db-topology`, or throws a {@link ConfigurationError} listing the valid values. */
export function parseDbTopology(value: string): DbTopology {
  if ((DB_TOPOLOGIES as readonly string[]).includes(value)) return value as DbTopology;
  throw new ConfigurationError(
    `--db-topology: unknown topology '${value}'; expected one of ${DB_TOPOLOGIES.join(', ')}`,
  );
}

/** Throws a {@link ConfigurationError} when environment `kind` cannot bring up `topology`. */
export function checkTopology(kind: EnvironmentKind, topology: EnvironmentTopology): void {
  const provided = DB_TOPOLOGIES_BY_ENVIRONMENT[kind];
  if (!provided.includes(topology.db)) {
    throw new ConfigurationError(
      `--db-topology ${topology.db}: the ${kind} environment provides ${provided.join(', ')} only; use --env local`,
    );
  }
}
