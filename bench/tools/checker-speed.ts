/**
 * `npm run bench:checker [-- --ops N --keys K --seed S]`: how fast the checker analyses a
 * large synthetic history and how compact the history is. Generates N operations
 * (default 10,000,000) over K keys (default 100,000) from 64 clients, 95% reads, with
 * injected stale reads, through the HistoryRecorder; then times `check()` and prints ops
 * analysed per second, bytes per recorded operation and the memory `check()` needed.
 * Targets: >= 2 million ops/s and <= 64 bytes per operation.
 */

import { Worker } from 'node:worker_threads';
import { check } from '../../checker/index.ts';
import {
  type FinalSnapshot,
  type History,
  OP_READ,
  OP_WRITE,
  OUTCOME_INFO,
  OUTCOME_OK,
  SOURCE_CACHE,
  SOURCE_DB,
  SOURCE_NONE,
} from '../../checker/types.ts';
import { ConfigurationError } from '../../kernel/index.ts';
import { createRng } from '../../kernel/random.ts';
import { parseToolArgs, runIfMain } from '../cli/entry.ts';
import { HistoryRecorder } from '../history/recorder.ts';

const CLIENTS = 64;
const WRITE_SHARE = 0.05;
/** Share of reads made to return an older version than the register holds. */
const INJECTED_STALE_SHARE = 1e-4;
/** Share of operations that time out (info). */
const INFO_SHARE = 1e-3;
/** Mean time between invocations: 500k ops/s. */
const INTERVAL_NS = 2_000;
const MIN_LATENCY_NS = 100_000;
const LATENCY_SPREAD_NS = 900_000;
const DIVERGENT_KEYS = 10;
const MEMORY_SAMPLE_MS = 5;

interface Options {
  ops: number;
  keys: number;
  seed: number;
}

function parseOptions(argv: string[]): Options {
  const values = parseToolArgs(argv, {
    ops: { type: 'string', default: '10000000' },
    keys: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '1' },
  });
  if (values === 'help') {
    throw new ConfigurationError('usage: npm run bench:checker -- [--ops N] [--keys K] [--seed S]');
  }
  const positive = (name: string, text: string, max: number): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1 || value > max) {
      throw new ConfigurationError(`--${name} must be an integer from 1 to ${max}, got '${text}'`);
    }
    return value;
  };
  return {
    ops: positive('ops', values.ops, 2 ** 31),
    // The generator keeps a version per key and the snapshot an object per key.
    keys: positive('keys', values.keys, 10_000_000),
    seed: positive('seed', values.seed, 2 ** 32 - 1),
  };
}

/**
 * A linearizable register driven by 64 overlapping clients: a write takes the next version
 * when invoked, a read returns the newest version invoked so far (legal: that write overlaps
 * or precedes it). Some reads are then pushed back a few versions to make them stale.
 */
function generateHistory(options: Options): {
  recorder: HistoryRecorder;
  current: Float64Array;
  injected: number;
} {
  const rng = createRng(options.seed, 0);
  const recorder = new HistoryRecorder();
  const current = new Float64Array(options.keys);
  let injected = 0;
  let t = 0;
  for (let i = 0; i < options.ops; i++) {
    t += rng.nextInt(2 * INTERVAL_NS);
    const key = rng.nextInt(options.keys);
    const write = rng.nextFloat() < WRITE_SHARE;
    const op = recorder.invoke(i % CLIENTS, write ? OP_WRITE : OP_READ, key, t);
    const completeNs = t + MIN_LATENCY_NS + rng.nextInt(LATENCY_SPREAD_NS);
    const timedOut = rng.nextFloat() < INFO_SHARE;
    if (write) {
      const version = (current[key] as number) + 1;
      current[key] = version;
      if (timedOut) recorder.complete(op, completeNs, OUTCOME_INFO, version, SOURCE_NONE, 'timeout');
      else recorder.complete(op, completeNs, OUTCOME_OK, version, SOURCE_NONE);
    } else if (timedOut) {
      recorder.complete(op, completeNs, OUTCOME_INFO, -1, SOURCE_NONE, 'timeout');
    } else {
      let version = current[key] as number;
      if (version > 0 && rng.nextFloat() < INJECTED_STALE_SHARE) {
        version = Math.max(0, version - 1 - rng.nextInt(3));
        injected++;
      }
      recorder.complete(op, completeNs, OUTCOME_OK, version, rng.nextInt(10) < 9 ? SOURCE_CACHE : SOURCE_DB);
    }
  }
  return { recorder, current, injected };
}

/** Every key's final state; a few cache entries hold a version MySQL never got. */
function snapshotOf(current: Float64Array, takenAtNs: number): FinalSnapshot {
  const keys = Array.from(current, (dbVersion, key) => ({
    key,
    dbVersion,
    cacheVersion: key < DIVERGENT_KEYS ? dbVersion + 1 : dbVersion,
  }));
  return { keys, takenAtNs };
}

function historyBytes(history: History): number {
  const columns = [
    history.client,
    history.kind,
    history.key,
    history.invokeNs,
    history.completeNs,
    history.outcome,
    history.version,
    history.source,
    history.error,
  ];
  return columns.reduce((sum, column) => sum + column.byteLength, 0);
}

/** Samples the process RSS from another thread, because `check()` blocks this one. */
function startRssSampler(): { stop(): Promise<number> } {
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads');
     let peak = 0;
     const sample = () => { const rss = process.memoryUsage.rss(); if (rss > peak) peak = rss; };
     const timer = setInterval(sample, ${MEMORY_SAMPLE_MS});
     parentPort.on('message', () => { sample(); clearInterval(timer); parentPort.postMessage(peak); });`,
    { eval: true },
  );
  return {
    stop: async () => {
      const peak = new Promise<number>((resolve) => worker.once('message', resolve));
      worker.postMessage('stop');
      const value = await peak;
      await worker.terminate();
      return value;
    },
  };
}

const MB = 1024 * 1024;
const mb = (bytes: number): string => `${(bytes / MB).toFixed(1)} MB`;
const millionsPerSecond = (ops: number, ms: number): string => (ops / ms / 1000).toFixed(2);
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  console.log(
    `checker speed: ${options.ops.toLocaleString('en')} ops, ${options.keys} keys, ${CLIENTS} clients`,
  );

  const generationStart = performance.now();
  const { recorder, current, injected } = generateHistory(options);
  const generationMs = performance.now() - generationStart;
  const history = recorder.toHistory();
  const lastInvoke = history.invokeNs[history.length - 1] ?? 0;
  const snapshot = snapshotOf(current, lastInvoke);
  const recordedBytes = historyBytes(history);
  const allocatedBytes = (recordedBytes / history.length) * recorder.capacity;
  console.log(
    `recording: ${(generationMs / 1000).toFixed(2)} s (${(((options.ops / generationMs) * 1000) / 1e6).toFixed(2)} M ops/s incl. generation)`,
  );
  console.log(
    `history: ${(recordedBytes / options.ops).toFixed(1)} bytes/op recorded (${mb(recordedBytes)}), ` +
      `${(allocatedBytes / options.ops).toFixed(1)} bytes/op allocated (capacity ${recorder.capacity.toLocaleString('en')} rows)`,
  );

  gc();
  const sampler = startRssSampler();
  await new Promise((resolve) => setTimeout(resolve, 50));
  const before = process.memoryUsage();
  const cpuBefore = process.cpuUsage();
  const checkStart = performance.now();
  const report = check(history, snapshot);
  const checkMs = performance.now() - checkStart;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const after = process.memoryUsage();
  const peakRss = await sampler.stop();
  // RSS can shrink while check runs (the allocator returning pages); growth is never negative.
  const rssGrowth = Math.max(0, peakRss - before.rss);

  // CPU time next to wall time: on a shared machine the wall clock also counts waiting for a core.
  console.log(
    `check: ${(checkMs / 1000).toFixed(2)} s wall, ${(cpuMs / 1000).toFixed(2)} s cpu; ` +
      `${millionsPerSecond(options.ops, checkMs)} M ops analysed/s wall, ` +
      `${millionsPerSecond(options.ops, cpuMs)} M ops/s cpu (target >= 2)`,
  );
  console.log(
    `memory during check: rss ${mb(before.rss)} before, peak ${mb(peakRss)} (+${mb(rssGrowth)}, ` +
      `${(rssGrowth / options.ops).toFixed(1)} bytes/op); heap+arrayBuffers ` +
      `+${mb(after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers)} at the end (no GC between)`,
  );
  console.log(
    `found: ${report.stale.staleReads} stale reads of ${report.stale.readsChecked.toLocaleString('en')} ` +
      `(${injected} reads pushed back; those that overlap the newer write are legal), ` +
      `age p50 ${report.stale.ageP50Ms.toFixed(3)} ms, p99 ${report.stale.ageP99Ms.toFixed(3)} ms, ` +
      `max lag ${report.stale.maxVersionLag}, ${report.divergentKeys.length} divergent keys, ` +
      `${report.lostWrites.length} lost writes, ${report.examples.length} examples`,
  );
}

runIfMain(import.meta.url, 'bench:checker', async () => {
  await main();
  return 0;
});
