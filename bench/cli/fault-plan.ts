import { findFaultKind, resolveFaultPlan } from '../../chaos/index.ts';
import { ConfigurationError } from '../../kernel/index.ts';
import type { BenchOptions } from './options.ts';

/**
 * Resolves the `--fault` values into the run's plan (with its fault ids), before any service
 * starts: unknown presets, bad plan files, process faults without a local environment and
 * network faults with `--direct` (which bypasses Toxiproxy) are ConfigurationErrors. Every
 * strategy of a `--strategy all` run gets this same plan.
 */
export async function withFaultPlan(options: BenchOptions): Promise<BenchOptions> {
  const faultPlan = await resolveFaultPlan(
    options.faultSpecs ?? [],
    options.durationMs,
    options.seed,
    options.env !== 'external',
  );
  const network = faultPlan.find(
    (entry) => entry.fault !== 'calm' && !findFaultKind(entry.fault)?.needsProcess,
  );
  if (network !== undefined && !options.viaProxy) {
    throw new ConfigurationError(
      `--fault: '${network.fault}' acts through Toxiproxy, which --direct bypasses; drop --direct or the fault`,
    );
  }
  return { ...options, faultPlan };
}
