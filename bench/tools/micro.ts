import { Bench } from 'tinybench';
import { ConfigurationError, formatTextTable } from '../../kernel/index.ts';
import type { Environment } from '../../services/types.ts';
import { cacheKey } from '../../strategies/cache-codec.ts';
import { closeRedis, connectRedis } from '../../strategies/clients.ts';
import { defaultStrategyContext } from '../../strategies/defaults.ts';
import { findStrategy, strategyNames, unknownStrategyMessage } from '../../strategies/registry.ts';
import type { CacheStrategy } from '../../strategies/types.ts';
import { parseToolArgs, runIfMain, withLocalEnvironment } from '../cli/entry.ts';

const DEFAULT_TIME_MS = 400;
const MIN_ITERATIONS = 50;
/** Keys the write task cycles through, so a write does not always hit the same row lock. */
const WRITE_KEYS = 64;
const PAYLOAD = new Uint8Array(256).fill(97);

/** One measured operation of one strategy. */
export interface MicroRow {
  strategy: string;
  operation: 'read (cache hit)' | 'read (miss)' | 'write';
  meanMs: number;
  p99Ms: number;
  opsPerSec: number;
  samples: number;
}

export interface MicroOptions {
  strategies: readonly string[];
  /** Time budget per task in ms (tinybench `time`); each task also runs at least 50 iterations. */
  timeMs: number;
  /** false: connect directly instead of through Toxiproxy. */
  viaProxy: boolean;
}

/**
 * Measures, per strategy, a read served by the cache, a read that misses (the entry is
 * deleted before each iteration, outside the timed window) and a write, against `env`.
 * db-only has no cache: both of its reads go to MySQL.
 */
export async function runMicroBenchmark(env: Environment, options: MicroOptions): Promise<MicroRow[]> {
  const rows: MicroRow[] = [];
  const admin = await connectRedis(defaultStrategyContext(env.endpoints, { viaProxy: false }));
  try {
    let keyBase = 0;
    for (const name of options.strategies) {
      const entry = findStrategy(name);
      if (entry === undefined) throw new ConfigurationError(unknownStrategyMessage(name));
      const strategy = await entry.factory(
        defaultStrategyContext(env.endpoints, { viaProxy: options.viaProxy }),
      );
      try {
        await strategy.start?.();
        rows.push(...(await measure(strategy, entry.usesCache, admin, keyBase, options.timeMs)));
        await strategy.drain?.();
      } finally {
        await strategy.close();
      }
      keyBase += 1000;
    }
  } finally {
    await closeRedis(admin);
  }
  return rows;
}

async function measure(
  strategy: CacheStrategy,
  usesCache: boolean,
  admin: Awaited<ReturnType<typeof connectRedis>>,
  keyBase: number,
  timeMs: number,
): Promise<MicroRow[]> {
  const hitKey = keyBase + 1;
  const missKey = keyBase + 2;
  await strategy.write(hitKey, PAYLOAD);
  await strategy.write(missKey, PAYLOAD);
  // write-behind must have the miss key in MySQL, or its "miss" would read an absent row.
  await strategy.drain?.();
  await strategy.read(hitKey);
  const cached = usesCache;
  let writeNo = 0;
  const bench = new Bench({ time: timeMs, iterations: MIN_ITERATIONS, warmupTime: 100, throws: true });
  bench
    .add('read (cache hit)', async () => {
      const result = await strategy.read(hitKey);
      if (result.source !== (cached ? 'cache' : 'db'))
        throw new Error(`${strategy.name}: hit read came from ${result.source}`);
    })
    .add(
      'read (miss)',
      async () => {
        const result = await strategy.read(missKey);
        if (result.source !== 'db' || !result.found)
          throw new Error(`${strategy.name}: miss read did not reach MySQL`);
      },
      { beforeEach: cached ? async () => void (await admin.del(cacheKey(missKey))) : undefined },
    )
    .add('write', async () => {
      await strategy.write(keyBase + 100 + (writeNo++ % WRITE_KEYS), PAYLOAD);
    });
  await bench.run();
  return bench.tasks.map((task) => {
    const result = task.result;
    if (result.state !== 'completed') {
      throw new Error(
        `${strategy.name} ${task.name}: ${result.state === 'errored' ? result.error.message : result.state}`,
      );
    }
    return {
      strategy: strategy.name,
      operation: task.name as MicroRow['operation'],
      meanMs: result.latency.mean,
      p99Ms: result.latency.p99,
      opsPerSec: result.throughput.mean,
      samples: result.latency.samplesCount,
    };
  });
}

/** The rows as a text table (returned, not printed). */
export function formatMicroTable(rows: readonly MicroRow[]): string {
  const header = ['strategy', 'operation', 'mean ms', 'p99 ms', 'ops/s', 'samples'];
  const cells = rows.map((row) => [
    row.strategy,
    row.operation,
    row.meanMs.toFixed(3),
    row.p99Ms.toFixed(3),
    Math.round(row.opsPerSec).toString(),
    String(row.samples),
  ]);
  return formatTextTable(header, cells, {
    align: header.map((_, column) => (column >= 2 ? 'right' : 'left')),
  });
}

const USAGE = `usage: npm run bench:micro -- [--strategy NAME[,NAME…]] [--time MS] [--direct]

Starts local Redis, MariaDB and Toxiproxy and measures with tinybench, one operation at a
time, the latency of a cache-hit read, a miss read and a write for each strategy.
  --strategy  which strategies (default: all: ${strategyNames.join(', ')})
  --time      time budget per operation in ms (default ${DEFAULT_TIME_MS}; at least ${MIN_ITERATIONS} iterations run)
  --direct    connect directly instead of through the Toxiproxy proxies
  --help      this text`;

function parseMicroArgs(argv: readonly string[]): MicroOptions | 'help' {
  const values = parseToolArgs(argv, {
    strategy: { type: 'string' },
    time: { type: 'string' },
    direct: { type: 'boolean' },
  });
  if (values === 'help') return values;
  const strategies = values.strategy === undefined ? strategyNames : values.strategy.split(',');
  for (const name of strategies) {
    if (findStrategy(name) === undefined)
      throw new ConfigurationError(`--strategy: ${unknownStrategyMessage(name)}`);
  }
  const timeMs = values.time === undefined ? DEFAULT_TIME_MS : Number(values.time);
  if (!Number.isInteger(timeMs) || timeMs < 10 || timeMs > 60_000) {
    throw new ConfigurationError(`--time: expected an integer from 10 to 60000 ms, got '${values.time}'`);
  }
  return { strategies, timeMs, viaProxy: !(values.direct ?? false) };
}

async function main(): Promise<number> {
  const options = parseMicroArgs(process.argv.slice(2));
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  return withLocalEnvironment('bench:micro', async (env) => {
    const rows = await runMicroBenchmark(env, options);
    console.log(
      `${options.viaProxy ? 'through Toxiproxy' : 'direct'}, ${PAYLOAD.byteLength}-byte payloads, ${options.timeMs} ms per operation`,
    );
    console.log(formatMicroTable(rows));
    return 0;
  });
}

runIfMain(import.meta.url, 'bench:micro', main);
