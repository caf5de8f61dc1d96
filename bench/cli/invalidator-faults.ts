import { findFaultKind, type ResolvedFault } from '../../chaos/index.ts';
import { ConfigurationError } from '../../kernel/index.ts';
import { findStrategy } from '../../strategies/registry.ts';
import type { BenchOptions } from './options.ts';

/**
 * The invalidator faults need an invalidator to act on, before any service starts: every
 * selected strategy must run one (cdc-invalidate); the link faults need the local
 * environment's `invalidator-mysql`/`invalidator-redis` proxies and the Toxiproxy route; the
 * crash needs the invalidator in this process (not in `--workers` processes). Throws a
 * {@link ConfigurationError} of one line.
 */
export function checkInvalidatorFaults(options: BenchOptions, plan: readonly ResolvedFault[]): void {
  for (const entry of plan) {
    const needs = findFaultKind(entry.fault)?.needsInvalidator;
    if (needs === undefined) continue;
    const without = options.strategies.find((name) => findStrategy(name)?.hasInvalidator !== true);
    if (without !== undefined) {
      throw new ConfigurationError(
        `--fault: '${entry.fault}' acts on the CDC invalidator, which strategy '${without}' does not run; use --strategy cdc-invalidate`,
      );
    }
    if (needs === 'links' && options.env !== 'local') {
      throw new ConfigurationError(
        `--fault: '${entry.fault}' needs --env local (only the local environment proxies the invalidator's own links)`,
      );
    }
    if (needs === 'links' && entry.params?.link === 'redis' && options.cacheTopology === 'cluster') {
      throw new ConfigurationError(
        `--fault: '${entry.fault}' link redis needs --cache-topology single (a cluster's nodes have no invalidator proxy of their own)`,
      );
    }
    if (needs === 'process' && options.driver === 'workers') {
      throw new ConfigurationError(
        `--fault: '${entry.fault}' kills the invalidator in the harness's process, not the --workers processes' own; use --driver in-process or http`,
      );
    }
  }
}
