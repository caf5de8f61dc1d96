import { ConfigurationError } from '../../kernel/index.ts';
import {
  CACHE_TOPOLOGIES,
  DB_TOPOLOGIES,
  parseCacheTopology,
  parseDbTopology,
} from '../../services/index.ts';
import { startLocalEnvironment } from '../../services/local.ts';
import type { CacheTopology, DbTopology } from '../../services/types.ts';
import { parseToolArgs, runIfMain } from '../cli/entry.ts';

/**
 * Start-up time of the local environment per topology, in alternating runs (A B C A B C …) so
 * a shared machine's drift falls on all: from the call until every service answers (for
 * `primary-replica`: until the replica replicates; for the cache topology `cluster`: until
 * every node serves all 16384 slots), then the stop. Medians and min–max. Each MySQL layout
 * runs with one Redis, each cache layout other than `single` with one MySQL.
 *
 *   npm run bench:startup [-- --runs 3 --db-topology single,primary-replica --cache-topology single,cluster]
 */
const USAGE =
  'usage: npm run bench:startup -- [--runs 3] [--db-topology single,primary-replica] [--cache-topology single,cluster]';

/** One layout the tool starts: a MySQL topology and a Redis topology. */
interface Layout {
  label: string;
  db: DbTopology;
  cache: CacheTopology;
}

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
    'cache-topology': { type: 'string', default: CACHE_TOPOLOGIES.join(',') },
  });
  if (values === 'help') {
    console.log(USAGE);
    return 0;
  }
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 50) {
    throw new ConfigurationError(`--runs: expected an integer from 1 to 50, got '${values.runs}'`);
  }
  const caches = (values['cache-topology'] ?? '').split(',').map(parseCacheTopology);
  const layouts: Layout[] = [
    ...(values['db-topology'] ?? '')
      .split(',')
      .map(parseDbTopology)
      .map((db): Layout => ({ label: db, db, cache: 'single' })),
    ...caches
      .filter((cache) => cache !== 'single')
      .map((cache): Layout => ({ label: `cache ${cache}`, db: 'single', cache })),
  ];
  const topologies = layouts.map((layout) => layout.label);
  const wall = new Map<string, number[]>(topologies.map((t) => [t, []]));
  const services = new Map<string, Map<string, number[]>>(topologies.map((t) => [t, new Map()]));
  for (let run = 0; run < runs; run++) {
    for (const { label: topology, db, cache } of layouts) {
      const started = performance.now();
      const env = await startLocalEnvironment({ dbTopology: db, cacheTopology: cache });
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
