import { open, stat } from 'node:fs/promises';
import { ConfigurationError, MAX_DURATION_MS, MAX_DURATION_TEXT, messageOf } from '../kernel/index.ts';
import { jsonProblem } from '../kernel/json.ts';
import { FAULT_KINDS, findFaultKind } from './registry.ts';
import {
  type FaultKind,
  type FaultTarget,
  ParamError,
  type PlannedFault,
  type ResolvedFault,
} from './types.ts';

const TARGETS: readonly FaultTarget[] = ['redis', 'mysql', 'replication', 'app', 'invalidator'];
const ENTRY_KEYS = ['fault', 'target', 'params', 'at', 'duration'];

/** The most entries a plan (one file, or all `--fault` values together) may hold. */
export const MAX_PLAN_ENTRIES = 10_000;
/** The largest plan file read: 10,000 entries in readable JSON fit in well under this. */
export const MAX_PLAN_FILE_BYTES = 1024 * 1024;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks one entry; returns the problem in words, or undefined when it is valid. */
function entryProblem(entry: unknown): string | undefined {
  if (!isRecord(entry))
    return `expected an object { fault, target, params, at, duration }, got ${JSON.stringify(entry)}`;
  const unknownKey = Object.keys(entry).find((key) => !ENTRY_KEYS.includes(key));
  if (unknownKey !== undefined) return `unknown field '${unknownKey}'; expected ${ENTRY_KEYS.join(', ')}`;
  const { fault, target, params, at, duration } = entry;
  if (typeof fault !== 'string') return "missing 'fault' (a fault name, see --list-faults)";
  const kind = findFaultKind(fault);
  if (kind === undefined) {
    return `unknown fault '${fault}'; expected one of ${FAULT_KINDS.map((k) => k.name).join(', ')}`;
  }
  if (target !== undefined && !(TARGETS as readonly unknown[]).includes(target)) {
    return `unknown target ${JSON.stringify(target)}; expected ${TARGETS.join(', ')}`;
  }
  if (params !== undefined && !isRecord(params))
    return `'params' must be an object, got ${JSON.stringify(params)}`;
  if (typeof at !== 'number' || !Number.isFinite(at) || at < 0 || at > MAX_DURATION_MS) {
    return `'at' must be a number of ms from 0 to ${MAX_DURATION_MS} (${MAX_DURATION_TEXT}) from the start of the load, got ${JSON.stringify(at)}`;
  }
  if (
    typeof duration !== 'number' ||
    !Number.isFinite(duration) ||
    duration <= 0 ||
    duration > MAX_DURATION_MS
  ) {
    return `'duration' must be a number of ms > 0 and at most ${MAX_DURATION_MS} (${MAX_DURATION_TEXT}), got ${JSON.stringify(duration)}`;
  }
  try {
    kind.create(target as FaultTarget | undefined, params ?? {}, 'validation');
  } catch (error: unknown) {
    if (error instanceof ParamError) return `${kind.name}: ${error.message}`;
    throw error;
  }
  return undefined;
}

/**
 * Validates a parsed JSON plan (an array of entries, or `{ "faults": [...] }`) and returns its
 * entries. Throws a {@link ConfigurationError} of one line, `<source>: entry <i>: <problem>`.
 */
export function parseFaultPlan(json: unknown, source: string): PlannedFault[] {
  const entries = isRecord(json) && Object.hasOwn(json, 'faults') ? json.faults : json;
  if (!Array.isArray(entries)) {
    throw new ConfigurationError(`${source}: a fault plan is an array of entries or { "faults": [...] }`);
  }
  if (entries.length > MAX_PLAN_ENTRIES) {
    throw new ConfigurationError(
      `${source}: ${entries.length} entries; a plan holds at most ${MAX_PLAN_ENTRIES}`,
    );
  }
  entries.forEach((entry: unknown, index) => {
    const problem = entryProblem(entry);
    if (problem !== undefined) throw new ConfigurationError(`${source}: entry ${index}: ${problem}`);
  });
  return entries as PlannedFault[];
}

/** Reads and validates a JSON plan file; `source` names it in error messages (e.g. `--fault plan.json`). */
export async function loadFaultPlanFile(path: string, source: string): Promise<PlannedFault[]> {
  const text = await readPlanText(path, source);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error: unknown) {
    throw new ConfigurationError(`${source}: ${path} is not valid JSON: ${jsonProblem(error, text)}`);
  }
  return parseFaultPlan(json, source);
}

/**
 * The text of a plan file, refused before it is read when it is not a regular file (a FIFO or
 * /dev/zero would never end) or larger than {@link MAX_PLAN_FILE_BYTES}; reading stops at the
 * bound too, should the file grow meanwhile.
 */
async function readPlanText(path: string, source: string): Promise<string> {
  const tooLarge = (): ConfigurationError =>
    new ConfigurationError(
      `${source}: ${path} is larger than ${MAX_PLAN_FILE_BYTES} bytes; a plan holds at most ${MAX_PLAN_ENTRIES} entries`,
    );
  let file: Awaited<ReturnType<typeof open>>;
  try {
    // Checked before opening: opening a FIFO blocks until someone writes to it.
    const info = await stat(path);
    if (!info.isFile()) throw new ConfigurationError(`${source}: ${path} is not a regular file`);
    if (info.size > MAX_PLAN_FILE_BYTES) throw tooLarge();
    file = await open(path, 'r');
  } catch (error: unknown) {
    if (error instanceof ConfigurationError) throw error;
    throw new ConfigurationError(`${source}: cannot read ${path}: ${messageOf(error)}`);
  }
  try {
    const buffer = Buffer.alloc(MAX_PLAN_FILE_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await file.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_PLAN_FILE_BYTES) throw tooLarge();
    }
    return buffer.toString('utf8', 0, length);
  } catch (error: unknown) {
    if (error instanceof ConfigurationError) throw error;
    throw new ConfigurationError(`${source}: cannot read ${path}: ${messageOf(error)}`);
  } finally {
    await file.close();
  }
}

/** The kind of a validated entry. */
export function kindOf(entry: PlannedFault): FaultKind {
  const kind = findFaultKind(entry.fault);
  if (kind === undefined) throw new ConfigurationError(`unknown fault '${entry.fault}'`);
  return kind;
}

/**
 * Sorts a validated plan by start and gives each entry its fault's id, `<fault name>#<n>`
 * numbered per name in start order (`redis-latency#1`, `redis-latency#2`, `redis-crash#1`).
 * The one place ids are made: the runner, the history and the result carry them.
 */
export function assignFaultIds(plan: readonly PlannedFault[]): ResolvedFault[] {
  const counts = new Map<string, number>();
  return [...plan]
    .sort((a, b) => a.at - b.at)
    .map((entry) => {
      const name = kindOf(entry).create(entry.target, entry.params ?? {}, 'naming').name;
      const n = (counts.get(name) ?? 0) + 1;
      counts.set(name, n);
      return { ...entry, id: `${name}#${n}` };
    });
}

/** A validated entry and where it came from, for messages about the combined plan. */
export interface SourcedFault {
  entry: PlannedFault;
  source: string;
  index: number;
}

/**
 * Rejects faults that hold the same resource (a process, a disabled proxy) at overlapping times:
 * the first heal would end the other early.
 */
export function checkExclusiveOverlaps(faults: readonly SourcedFault[]): void {
  const held: { resource: string; fault: SourcedFault }[] = [];
  for (const fault of faults) {
    const resource = kindOf(fault.entry).exclusiveResource?.(fault.entry.target, fault.entry.params ?? {});
    if (resource === undefined) continue;
    const { at, duration } = fault.entry;
    const clash = held.find(
      (h) =>
        h.resource === resource &&
        at < h.fault.entry.at + h.fault.entry.duration &&
        h.fault.entry.at < at + duration,
    );
    if (clash !== undefined) {
      const where = (f: SourcedFault) =>
        `${f.entry.fault} (${f.source}, entry ${f.index}, ${f.entry.at}ms+${f.entry.duration}ms)`;
      throw new ConfigurationError(
        `--fault: ${where(clash.fault)} and ${where(fault)} overlap on ${resource}; faults on the same ${resource.split(' ')[0]} must not overlap`,
      );
    }
    held.push({ resource, fault });
  }
}
