import { ConfigurationError } from '../kernel/index.ts';
import type { CacheTopology, DbTopology, EnvironmentKind, EnvironmentTopology } from './types.ts';

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

/** The layouts `--cache-topology` accepts; the first is the default. */
export const CACHE_TOPOLOGIES: readonly CacheTopology[] = ['single', 'cluster'];

/**
 * The Redis layouts each environment can bring up. Only `local` starts a cluster: `external`
 * reads one Redis URL, and `docker` starts one Redis container (docker-compose.yml's `cluster`
 * profile runs a cluster for users who have Docker, see README "Redis Cluster").
 */
const CACHE_TOPOLOGIES_BY_ENVIRONMENT: Record<EnvironmentKind, readonly CacheTopology[]> = {
  local: ['single', 'cluster'],
  external: ['single'],
  docker: ['single'],
};

/** Parses `--cache-topology`, or throws a {@link ConfigurationError} listing the valid values. */
export function parseCacheTopology(value: string): CacheTopology {
  if ((CACHE_TOPOLOGIES as readonly string[]).includes(value)) return value as CacheTopology;
  throw new ConfigurationError(
    `--cache-topology: unknown topology '${value}'; expected one of ${CACHE_TOPOLOGIES.join(', ')}`,
  );
}

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
  const caches = CACHE_TOPOLOGIES_BY_ENVIRONMENT[kind];
  if (!caches.includes(topology.cache)) {
    throw new ConfigurationError(
      `--cache-topology ${topology.cache}: the ${kind} environment provides ${caches.join(', ')} only; use --env local`,
    );
  }
}
