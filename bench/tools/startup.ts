import { ConfigurationError } from '../../kernel/index.ts';
import { DB_TOPOLOGIES, parseDbTopology } from '../../services/index.ts';
import { startLocalEnvironment } from '../../services/local.ts';
import type { DbTopology } from '../../services/types.ts';
import { parseToolArgs, runIfMain } from '../cli/entry.ts';

/**
 * Start-up time of the local environment per topology, in alternating runs (A B A B …) so a
 * shared machine's drift falls on both: from the call until every service answers (for
 * `primary-replica`: until the replica replicates), then the stop. Medians and min–max.
 *
 *   npm run bench:startup [-- --runs 3 --db-topology single,primary-replica]
 */
const USAGE = 'usage: npm run bench:startup -- [--runs 3] [--db-topology single,primary-replica]';

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function spread(values: readonly number[]): string {
  return `${median(values).toFixed(0)} ms (${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)}, n=${values.length})`;
}

async function main(): Promise<number> {
  const values = parseToolArgs(process.argv.slice(2), {
    runs: { type: 'string', default: '3' },
    'db-topology': { type: 'string', default: DB_TOPOLOGIES.join(',') },
  });
  if (values === 'help') {
    console.log(USAGE);
    return 0;
  }
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 50) {
    throw new ConfigurationError(`--runs: expected an integer from 1 to 50, got '${values.runs}'`);
  }
  const topologies = (values['db-topology'] ?? '').split(',').map(parseDbTopology);
  const wall = new Map<DbTopology, number[]>(topologies.map((t) => [t, []]));
  const services = new Map<DbTopology, Map<string, number[]>>(topologies.map((t) => [t, new Map()]));
  for (let run = 0; run < runs; run++) {
    for (const topology of topologies) {
      const started = performance.now();
      const env = await startLocalEnvironment({ dbTopology: topology });
      const elapsed = performance.now() - started;
      await env.stop();
      wall.get(topology)?.push(elapsed);
      for (const [name, ms] of Object.entries(env.startupMs)) {
        const perService = services.get(topology) as Map<string, number[]>;
        perService.set(name, [...(perService.get(name) ?? []), ms]);
      }
      process.stderr.write(`  ${topology} run ${run + 1}: ${elapsed.toFixed(0)} ms\n`);
    }
  }
  const lines: string[] = [];
  for (const topology of topologies) {
    lines.push(`${topology.padEnd(16)} ready after ${spread(wall.get(topology) ?? [])}`);
    for (const [name, ms] of services.get(topology) ?? []) lines.push(`  ${name.padEnd(14)} ${spread(ms)}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

runIfMain(import.meta.url, 'bench:startup', main);
