import type { StaleReadTable } from './read-analysis.ts';
import {
  type AnomalyExample,
  type DivergentKey,
  type ExampleOperation,
  type ExampleStep,
  type History,
  type LostWrite,
  OP_READ,
  OP_WRITE,
  OUTCOME_FAIL,
  OUTCOME_OK,
  SOURCE_CACHE,
  SOURCE_DB,
  type TracedStep,
} from './types.ts';

/** Operations shown per example; enough to see a race, short enough to read. */
const MAX_OPERATIONS = 8;
/** Traced steps shown per example. */
const MAX_STEPS = 32;

/** The anomalies worked examples are picked from. */
export interface ExampleSources {
  stale: StaleReadTable;
  divergentKeys: readonly DivergentKey[];
  lostWrites: readonly LostWrite[];
  steps: readonly TracedStep[];
  maxExamplesPerKind: number;
}

/**
 * Worked examples: the first stale reads and lost writes in history order and the first
 * divergent keys by key, up to `maxExamplesPerKind` each, with the operations and traced
 * steps that explain them. Times are in ms on the history clock.
 */
export function buildExamples(history: History, sources: ExampleSources): AnomalyExample[] {
  const perKind = Math.max(0, Math.floor(sources.maxExamplesPerKind));
  const staleCount = Math.min(perKind, sources.stale.count);
  const divergent = sources.divergentKeys.slice(0, perKind);
  const lost = sources.lostWrites.slice(0, perKind);
  const keys = new Set<number>();
  for (let i = 0; i < staleCount; i++) keys.add(sources.stale.key[i] as number);
  for (const d of divergent) keys.add(d.key);
  for (const l of lost) keys.add(l.key);
  const writesByKey = writeRowsOf(history, keys);
  const writesOf = (key: number): number[] => writesByKey.get(key) ?? [];

  const examples: AnomalyExample[] = [];
  for (let i = 0; i < staleCount; i++) {
    examples.push(staleReadExample(history, sources.stale, i, writesOf, sources.steps));
  }
  for (const d of divergent) examples.push(divergentKeyExample(history, d, writesOf(d.key), sources.steps));
  for (const l of lost) examples.push(lostWriteExample(history, l, writesOf(l.key), sources.steps));
  return examples;
}

function staleReadExample(
  history: History,
  stale: StaleReadTable,
  i: number,
  writesOf: (key: number) => number[],
  steps: readonly TracedStep[],
): AnomalyExample {
  const read = stale.op[i] as number;
  const key = stale.key[i] as number;
  const versionRead = stale.versionRead[i] as number;
  const readInvoke = history.invokeNs[read] as number;
  const readComplete = history.completeNs[read] as number;
  const writes = writesOf(key);
  // The write that made the read stale: the earliest-completing ok write above the version read.
  let cause = -1;
  for (const w of writes) {
    const done = history.completeNs[w] as number;
    if (
      history.outcome[w] !== OUTCOME_OK ||
      (history.version[w] as number) <= versionRead ||
      done >= readInvoke
    ) {
      continue;
    }
    if (cause < 0 || done < (history.completeNs[cause] as number)) cause = w;
  }
  const windowStart = cause >= 0 ? (history.invokeNs[cause] as number) : readInvoke;
  const overlapping = writes.filter(
    (w) =>
      (history.invokeNs[w] as number) <= readComplete && (history.completeNs[w] as number) >= windowStart,
  );
  const shown = capKeeping(overlapping, cause, MAX_OPERATIONS - 1, history.invokeNs);
  const ops = [...shown, read];
  const ageMs = (stale.ageNs[i] as number) / 1e6;
  const lag = stale.lag[i] as number;
  return {
    kind: 'stale-read',
    key,
    description:
      `read of key ${key} invoked at ${fmt(readInvoke / 1e6)} ms returned ${versionText(versionRead)} ` +
      `although v${stale.latestVersion[i]} had completed; ${fmt(ageMs)} ms after the first newer write ` +
      `completed, ${lag} version${lag === 1 ? '' : 's'} behind`,
    operations: operationsOf(history, ops),
    steps: stepsOf(steps, key, new Set(ops), windowStart, readComplete),
  };
}

function divergentKeyExample(
  history: History,
  divergent: DivergentKey,
  writes: number[],
  steps: readonly TracedStep[],
): AnomalyExample {
  const lastWrites = [...writes]
    .sort((a, b) => (history.completeNs[a] as number) - (history.completeNs[b] as number))
    .slice(-MAX_OPERATIONS)
    .sort((a, b) => (history.invokeNs[a] as number) - (history.invokeNs[b] as number));
  const from = lastWrites.length > 0 ? (history.invokeNs[lastWrites[0] as number] as number) : 0;
  const why =
    divergent.kind === 'cache-older' ? 'a stale entry, older than MySQL' : 'a write MySQL never got';
  return {
    kind: 'divergent-key',
    key: divergent.key,
    description:
      `after the run the cache holds v${divergent.cacheVersion} of key ${divergent.key} but MySQL ` +
      `holds ${rowText(divergent.dbVersion)} (${divergent.kind}: ${why})`,
    operations: operationsOf(history, lastWrites),
    steps: stepsOf(steps, divergent.key, new Set(lastWrites), from, Number.POSITIVE_INFINITY),
  };
}

function lostWriteExample(
  history: History,
  lost: LostWrite,
  writes: number[],
  steps: readonly TracedStep[],
): AnomalyExample {
  const from = history.invokeNs[lost.op] as number;
  const later = writes.filter((w) => (history.completeNs[w] as number) >= from);
  const ops = capKeeping(later, lost.op, MAX_OPERATIONS, history.invokeNs);
  return {
    kind: 'lost-write',
    key: lost.key,
    description:
      `write of key ${lost.key} acknowledged ok with v${lost.version} at ` +
      `${fmt((history.completeNs[lost.op] as number) / 1e6)} ms, ` +
      (lost.version > lost.finalDbVersion
        ? `but MySQL ends with ${rowText(lost.finalDbVersion)}`
        : `but MySQL never committed v${lost.version} (it ends with ${rowText(lost.finalDbVersion)}: a later write hid the loss)`),
    operations: operationsOf(history, ops),
    steps: stepsOf(steps, lost.key, new Set(ops), from, Number.POSITIVE_INFINITY),
  };
}

/** Rows of writes (any outcome) of the given keys, in row order, in one pass. */
function writeRowsOf(history: History, keys: ReadonlySet<number>): Map<number, number[]> {
  const rows = new Map<number, number[]>();
  if (keys.size === 0) return rows;
  for (let i = 0; i < history.length; i++) {
    if (history.kind[i] !== OP_WRITE) continue;
    const key = history.key[i] as number;
    if (!keys.has(key)) continue;
    const list = rows.get(key);
    if (list) list.push(i);
    else rows.set(key, [i]);
  }
  return rows;
}

/** Up to `limit` rows by invoke time, always keeping `required` when it is among them. */
function capKeeping(rows: number[], required: number, limit: number, invokeNs: Float64Array): number[] {
  const sorted = [...rows].sort((a, b) => (invokeNs[a] as number) - (invokeNs[b] as number));
  if (sorted.length <= limit) return sorted;
  const kept = sorted.slice(0, limit);
  if (required >= 0 && sorted.includes(required) && !kept.includes(required)) {
    kept[limit - 1] = required;
    kept.sort((a, b) => (invokeNs[a] as number) - (invokeNs[b] as number));
  }
  return kept;
}

function operationsOf(history: History, rows: readonly number[]): ExampleOperation[] {
  return rows.map((op) => {
    const outcome = history.outcome[op];
    const source = history.source[op];
    return {
      op,
      client: history.client[op] as number,
      kind: history.kind[op] === OP_READ ? 'read' : 'write',
      invokeMs: (history.invokeNs[op] as number) / 1e6,
      completeMs: (history.completeNs[op] as number) / 1e6,
      outcome: outcome === OUTCOME_OK ? 'ok' : outcome === OUTCOME_FAIL ? 'fail' : 'info',
      version: history.version[op] as number,
      source: source === SOURCE_CACHE ? 'cache' : source === SOURCE_DB ? 'db' : null,
    };
  });
}

/** Steps of the example's operations, or of its key within [fromNs, toNs], in time order. */
function stepsOf(
  steps: readonly TracedStep[],
  key: number,
  ops: ReadonlySet<number>,
  fromNs: number,
  toNs: number,
): ExampleStep[] {
  return steps
    .filter((s) => ops.has(s.opId) || (s.key === key && s.at >= fromNs && s.at <= toNs))
    .sort((a, b) => a.at - b.at)
    .slice(0, MAX_STEPS)
    .map((s) => ({ step: s.step, key: s.key, version: s.version, atMs: s.at / 1e6, op: s.opId }));
}

function versionText(version: number): string {
  return version === 0 ? 'absent' : `v${version}`;
}

function rowText(dbVersion: number): string {
  return dbVersion === 0 ? 'no row' : `v${dbVersion}`;
}

function fmt(ms: number): string {
  return ms.toFixed(3);
}
