import { findFaultKind, resolveFaultPlan } from '../../chaos/index.ts';
import { ConfigurationError } from '../../kernel/index.ts';
import { type GridPlan, planLabels } from '../../reports/grid.ts';
import { checkInvalidatorFaults } from './invalidator-faults.ts';
import type { BenchOptions } from './options.ts';

/**
 * Resolves the `--fault` values into the run's plan (with its fault ids), before any service
 * starts: unknown presets, bad plan files, process faults without a local environment,
 * replication faults without `--db-topology primary-replica`, app-crash without `--workers`
 * and network faults with
 * `--direct` (which bypasses Toxiproxy) are ConfigurationErrors. Every
 * strategy of a `--strategy all` run gets this same plan.
 */
export async function withFaultPlan(options: BenchOptions): Promise<BenchOptions> {
  const faultPlan = await resolveFaultPlan(options.faultSpecs ?? [], options.durationMs, options.seed, {
    envHasProcesses: options.env !== 'external',
    hasReplica: options.dbTopology === 'primary-replica',
    cacheCluster: options.cacheTopology === 'cluster',
    ...(options.driver === 'workers' ? { appWorkers: options.workers ?? 1 } : {}),
  });
  // Process, replication and application faults do not act on the strategy's route.
  const network = faultPlan.find((entry) => {
    const kind = findFaultKind(entry.fault);
    return (
      entry.fault !== 'calm' &&
      !kind?.needsProcess &&
      kind?.needsReplica !== true &&
      kind?.needsApp !== true &&
      kind?.needsInvalidator !== 'process'
    );
  });
  if (network !== undefined && !options.viaProxy) {
    throw new ConfigurationError(
      `--fault: '${network.fault}' acts through Toxiproxy, which --direct bypasses; drop --direct or the fault`,
    );
  }
  checkInvalidatorFaults(options, faultPlan);
  return { ...options, faultPlan };
}

/**
 * `--grid`: each `--fault` value resolved on its own, in order, as one plan column each (with
 * its own fault ids); no `--fault` is one `calm` column. Every problem is said before any
 * service starts, as {@link withFaultPlan} does.
 */
export async function withGridPlans(
  options: BenchOptions,
): Promise<{ plan: GridPlan; options: BenchOptions }[]> {
  const specs =
    options.faultSpecs === undefined || options.faultSpecs.length === 0 ? ['calm'] : options.faultSpecs;
  const columns: { plan: GridPlan; options: BenchOptions }[] = [];
  for (const plan of planLabels(specs)) {
    columns.push({ plan, options: await withFaultPlan({ ...options, faultSpecs: [plan.spec] }) });
  }
  return columns;
}
