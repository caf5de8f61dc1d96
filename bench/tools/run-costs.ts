import { ConfigurationError } from '../../kernel/index.ts';
import type { RunResult } from '../../reports/types.ts';
import type { Environment } from '../../services/types.ts';
import { findStrategy } from '../../strategies/registry.ts';
import { parseToolArgs, runIfMain, withLocalEnvironment } from '../cli/entry.ts';
import { defaultWorkload, runOptions } from '../run/defaults.ts';
import { type DirectConnections, openDirect } from '../run/direct.ts';
import { loadItems, makePayload } from '../run/load-items.ts';
import { runStrategy } from '../run/pipeline.ts';
import { takeSnapshot } from '../run/snapshot.ts';
import type { RunOptions } from '../run/types.ts';

/**
 * What the harness costs besides the pattern, in paired, alternating runs (A B A B …) with
 * medians and min–max, for a shared machine:
 *   - route: cache-aside ycsb-b, closed loop, proxied vs direct goodput, and the tax each run printed;
 *   - open loop: harness CPU per operation, open vs closed loop at the same rate, and at --rate;
 *   - start and end: loading --keys rows, the full snapshot and the written-keys snapshot;
 *   - time from process start to the first measured operation (warm machine, this process).
 *
 *   npm run bench:costs [-- --pairs 3 --duration 5s --rate 1000 --keys 1000000]
 */
const USAGE = `usage: npm run bench:costs -- [--pairs 3] [--duration 5s] [--rate 1000] [--keys 1000000] [--only route,open-loop,start-end]`;

const SECTIONS = ['route', 'open-loop', 'start-end'] as const;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function spread(values: readonly number[], digits: number): string {
  return `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}, n=${values.length})`;
}

async function run(env: Environment, direct: DirectConnections, options: RunOptions): Promise<RunResult> {
  const entry = findStrategy('cache-aside');
  if (entry === undefined) throw new Error('cache-aside is not registered');
  return (await runStrategy(entry, { env, direct, options })).result;
}

async function routeCost(env: Environment, direct: DirectConnections, pairs: number, durationMs: number) {
  const goodput = { proxied: [] as number[], direct: [] as number[] };
  const redisAdded: number[] = [];
  const mysqlAdded: number[] = [];
  for (let pair = 0; pair < pairs; pair++) {
    for (const viaProxy of [true, false]) {
      const result = await run(
        env,
        direct,
        runOptions({
          workload: defaultWorkload({ name: 'ycsb-b' }),
          durationMs,
          warmupMs: 1000,
          settleMs: 0,
          viaProxy,
          seed: pair + 1,
        }),
      );
      goodput[viaProxy ? 'proxied' : 'direct'].push(result.throughput.goodput);
      const added = result.run.route?.proxyAddedMs;
      if (added) {
        redisAdded.push(added.redis.addedMs.p50);
        mysqlAdded.push(added.mysql.addedMs.p50);
      }
      process.stderr.write(
        `  route ${viaProxy ? 'proxied' : 'direct '} goodput ${result.throughput.goodput.toFixed(0)}${result.cpu?.saturated ? ' (saturated)' : ''}\n`,
      );
    }
  }
  const ratios = goodput.proxied.map((p, i) => p / (goodput.direct[i] ?? Number.NaN));
  return [
    `route (cache-aside ycsb-b, 16 clients, ${durationMs / 1000}s, pairs proxied→direct)`,
    `  goodput proxied  ${spread(goodput.proxied, 0)} ok ops/s`,
    `  goodput direct   ${spread(goodput.direct, 0)} ok ops/s`,
    `  proxied/direct   ${spread(ratios, 3)}`,
    `  printed tax p50  Redis +${spread(redisAdded, 3)} ms · MySQL +${spread(mysqlAdded, 3)} ms per round trip`,
  ];
}

/**
 * Harness CPU per operation, open loop vs closed loop. Per operation every process costs
 * more at a lower rate (fewer operations share each wake-up, each write to a socket), so the
 * scheduler's own cost shows only at the same throughput: each pair runs the closed loop,
 * then the open loop at the rate the closed loop reached ("matched"), then at `rate`.
 */
async function openLoopCpu(
  env: Environment,
  direct: DirectConnections,
  pairs: number,
  durationMs: number,
  rate: number,
) {
  const perOp = { closed: [] as number[], matched: [] as number[], fixed: [] as number[] };
  const rates = { closed: [] as number[], matched: [] as number[], fixed: [] as number[] };
  for (let pair = 0; pair < pairs; pair++) {
    let closedRate = 0;
    for (const kind of ['closed', 'matched', 'fixed'] as const) {
      const openRate = kind === 'matched' ? Math.max(1, Math.round(closedRate)) : rate;
      const result = await run(
        env,
        direct,
        runOptions({
          workload: defaultWorkload({ name: 'ycsb-b' }),
          load:
            kind === 'closed'
              ? { kind: 'closed', clients: 16 }
              : { kind: 'open', rate: openRate, maxInFlight: 1024 },
          durationMs,
          warmupMs: 1000,
          settleMs: 0,
          seed: pair + 1,
        }),
      );
      const harness = result.cpu?.processes.harness;
      perOp[kind].push((harness?.cpuMsPerOp ?? Number.NaN) * 1000);
      rates[kind].push(result.throughput.attemptedOpsPerSec);
      if (kind === 'closed') closedRate = result.throughput.attemptedOpsPerSec;
      process.stderr.write(
        `  ${kind.padEnd(7)} ${result.throughput.attemptedOpsPerSec.toFixed(0)} ops/s, harness ${((harness?.cpuMsPerOp ?? 0) * 1000).toFixed(1)} µs/op${result.cpu?.saturated ? ' (saturated)' : ''}\n`,
      );
    }
  }
  const ratio = (of: number[]) => of.map((o, i) => o / (perOp.closed[i] ?? Number.NaN));
  return [
    `open loop vs closed loop (16 clients), cache-aside ycsb-b, ${durationMs / 1000}s, harness CPU (process.cpuUsage)`,
    `  closed             ${spread(perOp.closed, 1)} µs/op at ${spread(rates.closed, 0)} ops/s`,
    `  open, same rate    ${spread(perOp.matched, 1)} µs/op at ${spread(rates.matched, 0)} ops/s`,
    `  open at ${String(rate).padEnd(10)} ${spread(perOp.fixed, 1)} µs/op at ${spread(rates.fixed, 0)} ops/s`,
    `  open/closed CPU per op at the same rate ${spread(ratio(perOp.matched), 2)} (target <= 1.2)`,
    `  open at ${rate}/closed ${spread(ratio(perOp.fixed), 2)} (a lower rate costs more per op in every process)`,
  ];
}

async function startEnd(direct: DirectConnections, pairs: number, keys: number) {
  const payload = makePayload(256, 1);
  const load: number[] = [];
  const full: number[] = [];
  const written: number[] = [];
  // A run's written keys: 1% of the key space, every 100th key, with cache entries for all.
  const writtenKeys = Array.from({ length: Math.max(1, Math.floor(keys / 100)) }, (_, i) => i * 100 + 1);
  for (let pair = 0; pair < pairs; pair++) {
    let started = performance.now();
    await loadItems(direct, keys, payload);
    load.push(performance.now() - started);
    for (const which of pair % 2 === 0 ? ['full', 'written'] : ['written', 'full']) {
      started = performance.now();
      await takeSnapshot(direct, which === 'full' ? keys : writtenKeys, () => 0);
      (which === 'full' ? full : written).push(performance.now() - started);
    }
    process.stderr.write(
      `  load ${load.at(-1)?.toFixed(0)} ms · full ${full.at(-1)?.toFixed(0)} ms · written ${written.at(-1)?.toFixed(0)} ms\n`,
    );
  }
  return [
    `start and end at ${keys} keys (256 B payload), the cache empty`,
    `  load rows          ${spread(load, 0)} ms`,
    `  full snapshot      ${spread(full, 0)} ms`,
    `  written-keys snapshot (${writtenKeys.length} keys) ${spread(written, 0)} ms`,
    `  load + written-keys snapshot ${spread(
      load.map((l, i) => l + (written[i] ?? 0)),
      0,
    )} ms (target <= 3000)`,
  ];
}

async function main(): Promise<number> {
  const values = parseToolArgs(process.argv.slice(2), {
    pairs: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5s' },
    rate: { type: 'string', default: '1000' },
    keys: { type: 'string', default: '1000000' },
    only: { type: 'string', default: SECTIONS.join(',') },
  });
  if (values === 'help') {
    console.log(USAGE);
    return 0;
  }
  const pairs = Number(values.pairs);
  const durationMs = Number.parseFloat(values.duration ?? '5') * 1000;
  const rate = Number(values.rate);
  const keys = Number(values.keys);
  const only = (values.only ?? '').split(',');
  if (![pairs, durationMs, rate, keys].every((n) => Number.isFinite(n) && n > 0)) {
    throw new ConfigurationError(USAGE);
  }
  const firstOpAtMs = { value: Number.NaN };
  return withLocalEnvironment('bench:costs', async (env) => {
    const direct = await openDirect(env.endpoints);
    const lines: string[] = [];
    try {
      // Time to the first measured operation on this warm machine, from this process's start.
      const entry = findStrategy('db-only');
      if (entry === undefined) throw new Error('db-only is not registered');
      await runStrategy(entry, {
        env,
        direct,
        options: runOptions({ durationMs: 500, warmupMs: 0, settleMs: 0 }),
        onEvent: (event) => {
          if (event.type === 'load-start') firstOpAtMs.value = performance.now();
        },
      });
      lines.push(
        `first measured operation ${firstOpAtMs.value.toFixed(0)} ms after process start (10000 keys, services started, route calibrated)`,
      );
      if (only.includes('route')) lines.push(...(await routeCost(env, direct, pairs, durationMs)));
      if (only.includes('open-loop'))
        lines.push(...(await openLoopCpu(env, direct, pairs, durationMs, rate)));
      if (only.includes('start-end')) lines.push(...(await startEnd(direct, pairs, keys)));
    } finally {
      await direct.close();
    }
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  });
}

runIfMain(import.meta.url, 'bench:costs', main);
