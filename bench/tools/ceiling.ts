import { spawnSync } from 'node:child_process';
import { parseDuration } from '../../kernel/duration.ts';
import { ConfigurationError } from '../../kernel/index.ts';
import type { HostPort } from '../../services/types.ts';
import { findStrategy } from '../../strategies/registry.ts';
import type { CacheStrategy } from '../../strategies/types.ts';
import { parseToolArgs, runIfMain, withLocalEnvironment } from '../cli/entry.ts';
import { defaultWorkload, runOptions } from '../run/defaults.ts';
import { openDirect } from '../run/direct.ts';
import { runStrategy } from '../run/pipeline.ts';
import type { RunOptions } from '../run/types.ts';

/**
 * Benchmark (b), the harness's ceiling: cache-aside on ycsb-c with every key cached, 64
 * clients, recording its full history, against `redis-benchmark -t get -c 64` on the same
 * Redis in the same run; first connected directly, then through Toxiproxy (the cost of
 * fault injection). Prints both rates and their ratio. Target: ≥ 0.9 of redis-benchmark.
 *
 *   npm run bench:ceiling [-- --duration 10s --requests 500000]
 */
const CLIENTS = 64;
const KEYS = 10_000;
const VALUE_SIZE = 256;
/** Cache entries are an 8-byte version header plus the payload: redis-benchmark GETs values of the same size. */
const ENTRY_BYTES = VALUE_SIZE + 8;

const USAGE = `usage: npm run bench:ceiling -- [--duration 10s] [--requests 500000]

cache-aside on ycsb-c with every key cached, ${CLIENTS} clients, recording its full history,
against redis-benchmark -t get -c ${CLIENTS} on the same Redis: directly, then through Toxiproxy.
  --duration   measured load of each harness run (default 10s)
  --requests   GET requests of each redis-benchmark run (default 500000)`;

interface CeilingOptions {
  durationMs: number;
  requests: number;
}

function parseCeilingArgs(argv: readonly string[]): CeilingOptions | 'help' {
  const values = parseToolArgs(argv, {
    duration: { type: 'string', default: '10s' },
    requests: { type: 'string', default: '500000' },
  });
  if (values === 'help') return values;
  const durationMs = parseDuration(values.duration ?? '10s');
  const requests = Number(values.requests);
  if (durationMs === undefined || durationMs <= 0 || durationMs > 3_600_000) {
    throw new ConfigurationError(
      `--duration: expected a duration like 10s (up to 1h), got '${values.duration}'`,
    );
  }
  if (!Number.isSafeInteger(requests) || requests <= 0) {
    throw new ConfigurationError(`--requests: expected a positive integer, got '${values.requests}'`);
  }
  if (spawnSync('redis-benchmark', ['--version'], { encoding: 'utf8' }).status !== 0) {
    throw new ConfigurationError(
      'redis-benchmark not found; install redis-tools (it ships with redis-server)',
    );
  }
  return { durationMs, requests };
}

const options = (viaProxy: boolean, durationMs: number): RunOptions =>
  runOptions({
    workload: defaultWorkload({ name: 'ycsb-c', readRatio: 1, keys: KEYS, valueSize: VALUE_SIZE }),
    load: { kind: 'closed', clients: CLIENTS },
    durationMs,
    settleMs: 0,
    viaProxy,
  });

/** Reads every key once through the strategy so the measured load only hits the cache. */
async function prewarm(strategy: CacheStrategy): Promise<void> {
  for (let first = 1; first <= KEYS; first += CLIENTS) {
    const reads: Promise<unknown>[] = [];
    for (let key = first; key < first + CLIENTS && key <= KEYS; key++) reads.push(strategy.read(key));
    await Promise.all(reads);
  }
}

/** redis-benchmark's GET rate (requests/s) against `target`, after filling its keys with SETs of the same size. */
function redisBenchmarkGet(target: HostPort, requests: number): number {
  const common = [
    '-h',
    target.host,
    '-p',
    String(target.port),
    '-c',
    String(CLIENTS),
    '-r',
    String(KEYS),
    '-d',
    String(ENTRY_BYTES),
    '--csv',
  ];
  spawnSync('redis-benchmark', [...common, '-t', 'set', '-n', String(KEYS * 20)], { encoding: 'utf8' });
  const run = spawnSync('redis-benchmark', [...common, '-t', 'get', '-n', String(requests)], {
    encoding: 'utf8',
  });
  const line = run.stdout.split('\n').find((l) => l.startsWith('"GET"'));
  const rate = Number(line?.split(',')[1]?.replaceAll('"', ''));
  if (!Number.isFinite(rate))
    throw new Error(`cannot read redis-benchmark output: ${run.stdout}${run.stderr}`);
  return rate;
}

async function main(): Promise<number> {
  const parsed = parseCeilingArgs(process.argv.slice(2));
  if (parsed === 'help') {
    console.log(USAGE);
    return 0;
  }
  const { durationMs, requests } = parsed;
  const cacheAside = findStrategy('cache-aside');
  if (cacheAside === undefined) throw new Error('cache-aside is not registered');
  return withLocalEnvironment('bench:ceiling', async (env) => {
    const direct = await openDirect(env.endpoints);
    const rates: Record<'direct' | 'proxied', { harness: number; redisBenchmark: number }> = {
      direct: { harness: 0, redisBenchmark: 0 },
      proxied: { harness: 0, redisBenchmark: 0 },
    };
    try {
      for (const viaProxy of [false, true]) {
        const { result } = await runStrategy(cacheAside, {
          env,
          direct,
          options: options(viaProxy, durationMs),
          beforeLoad: prewarm,
        });
        const redisTarget = viaProxy ? env.endpoints.redis.proxied : env.endpoints.redis.direct;
        const rate = {
          harness: result.throughput.goodput,
          redisBenchmark: redisBenchmarkGet(redisTarget, requests),
        };
        rates[viaProxy ? 'proxied' : 'direct'] = rate;
        process.stdout.write(
          `${(viaProxy ? 'through Toxiproxy' : 'direct').padEnd(17)}  harness ${rate.harness.toFixed(0).padStart(7)} ops/s` +
            ` (hit ratio ${(result.cache.hitRatio * 100).toFixed(2)}%, ${result.throughput.reads} reads recorded,` +
            ` read p99 ${result.latency.read.p99.toFixed(3)} ms)` +
            `  redis-benchmark GET ${rate.redisBenchmark.toFixed(0).padStart(7)} req/s` +
            `  ratio ${(rate.harness / rate.redisBenchmark).toFixed(3)}\n`,
        );
      }
    } finally {
      await direct.close();
    }
    process.stdout.write(
      `\nceiling (target >= 0.9): harness direct / redis-benchmark direct = ${(rates.direct.harness / rates.direct.redisBenchmark).toFixed(3)}\n` +
        `cost of fault injection: harness through Toxiproxy / harness direct = ${(rates.proxied.harness / rates.direct.harness).toFixed(3)}` +
        ` (/ redis-benchmark direct = ${(rates.proxied.harness / rates.direct.redisBenchmark).toFixed(3)})\n` +
        `cache-aside, ycsb-c, ${KEYS} keys all cached, ${CLIENTS} clients, ${durationMs / 1000}s measured after 2s warm-up;` +
        ` redis-benchmark -t get -c ${CLIENTS} -r ${KEYS} -d ${ENTRY_BYTES} -n ${requests}\n`,
    );
    return 0;
  });
}

runIfMain(import.meta.url, 'bench:ceiling', main);
