import { existsSync } from 'node:fs';
import { ConfigurationError } from '../kernel/index.ts';
import { APP_CRASH_NEEDS_WORKERS } from './faults/app-crash.ts';
import {
  assignFaultIds,
  checkExclusiveOverlaps,
  kindOf,
  loadFaultPlanFile,
  MAX_PLAN_ENTRIES,
  parseFaultPlan,
  type SourcedFault,
} from './plan.ts';
import { FAULT_PRESETS, findPreset } from './presets.ts';
import { needsLocalReason } from './process-control.ts';
import type { PlannedFault, ResolvedFault } from './types.ts';

/** What the run offers the faults, besides its duration and seed. */
export interface FaultPlanContext {
  /** The environment owns the server processes (local, docker): process faults can act. */
  envHasProcesses: boolean;
  /** The MySQL topology has a replica (`primary-replica`): replication faults can act. */
  hasReplica?: boolean;
  /** The cache is a Redis Cluster (`--cache-topology cluster`): redis-failover can act, single-server Redis faults cannot. */
  cacheCluster?: boolean;
  /** Application worker processes (`--workers`); undefined when the application runs in-process. */
  appWorkers?: number;
}

/**
 * Turns the `--fault` values (preset names or JSON plan files, several allowed) into one plan
 * sorted by start, each entry with its fault id. Everything is checked before any service starts: unknown presets, bad entries,
 * process faults without an environment that owns the processes, replication faults without a
 * replica, app crashes without worker processes (or naming a slot the run does not have), faults starting after the load ends, and faults on the same process or disabled proxy
 * that overlap. Throws {@link ConfigurationError}.
 */
export async function resolveFaultPlan(
  specs: readonly string[],
  durationMs: number,
  seed: number,
  context: FaultPlanContext,
): Promise<ResolvedFault[]> {
  const { envHasProcesses, hasReplica = false, cacheCluster = false, appWorkers } = context;
  const faults: SourcedFault[] = [];
  for (const spec of specs) {
    const source = `--fault ${spec}`;
    const preset = findPreset(spec);
    let entries: PlannedFault[];
    if (preset !== undefined) {
      entries = parseFaultPlan(
        preset.plan(durationMs, seed, {
          processes: envHasProcesses,
          cluster: cacheCluster,
          ...(appWorkers === undefined ? {} : { appWorkers }),
        }),
        source,
      );
    } else if (existsSync(spec)) {
      entries = await loadFaultPlanFile(spec, source);
    } else {
      throw new ConfigurationError(
        `--fault: '${spec}' is neither a preset nor a plan file; presets: ${FAULT_PRESETS.map((p) => p.name).join(', ')} (see --list-faults)`,
      );
    }
    entries.forEach((entry, index) => {
      const kind = kindOf(entry);
      if (kind.needsReplica === true && !hasReplica) {
        const reason = `${entry.fault} needs --db-topology primary-replica (there is no replication link to act on)`;
        throw new ConfigurationError(
          preset !== undefined ? `--fault ${reason}` : `${source}: entry ${index}: ${reason}`,
        );
      }
      const clusterReason =
        kind.needsCluster === true && !cacheCluster
          ? `${entry.fault} needs --cache-topology cluster (there is no Redis Cluster to fail over)`
          : kind.needsProcess === 'Redis' && kind.needsCluster !== true && cacheCluster
            ? `${entry.fault} acts on the single redis-server, which --cache-topology cluster does not run; use redis-failover`
            : undefined;
      if (clusterReason !== undefined) {
        throw new ConfigurationError(
          preset !== undefined ? `--fault ${clusterReason}` : `${source}: entry ${index}: ${clusterReason}`,
        );
      }
      const owned = kind.needsProcess;
      if (owned !== undefined && !envHasProcesses) {
        const reason = needsLocalReason(entry.fault, owned);
        throw new ConfigurationError(
          preset !== undefined ? `--fault ${reason}` : `${source}: entry ${index}: ${reason}`,
        );
      }
      const where = (reason: string) =>
        preset !== undefined ? `--fault ${reason}` : `${source}: entry ${index}: ${reason}`;
      if (kind.needsApp === true) {
        if (appWorkers === undefined) throw new ConfigurationError(where(APP_CRASH_NEEDS_WORKERS));
        const slot = Number(entry.params?.worker ?? 0);
        if (slot >= appWorkers) {
          throw new ConfigurationError(
            where(
              `${entry.fault} kills worker ${slot}, but --workers ${appWorkers} has slots 0 to ${appWorkers - 1}`,
            ),
          );
        }
      }
      if (entry.at >= durationMs) {
        throw new ConfigurationError(
          `${source}: entry ${index}: starts at ${entry.at}ms, after the load ends (${durationMs}ms)`,
        );
      }
      faults.push({ entry, source, index });
    });
    if (faults.length > MAX_PLAN_ENTRIES) {
      throw new ConfigurationError(
        `--fault: the plans together hold ${faults.length} entries; at most ${MAX_PLAN_ENTRIES}`,
      );
    }
  }
  checkExclusiveOverlaps(faults);
  return assignFaultIds(faults.map((f) => f.entry));
}
