import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigurationError } from '../kernel/index.ts';
import { jsonProblem } from '../kernel/json.ts';
import { READABLE_SCHEMA_VERSIONS, type RunResult } from './types.ts';

/** The file a run directory holds. */
export const RESULT_FILE = 'result.json';

/**
 * The shape a result must have, field by field, in type and range: every field a page renders
 * or a rule reads is checked here, once, when a result is loaded, so that renderers and
 * thresholds can trust what they get. A shape is a check of one value (`number(…)`, `text`,
 * `oneOf(…)`), a nested record of shapes, a one-element array for "array of", or
 * `mapOf(shape)` for an object of any keys whose values all have that shape.
 */
type Check = (value: unknown, path: string) => string | null;
type Shape = Check | { [field: string]: Shape } | [Shape];

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function mistyped(path: string, expected: string, value: unknown): string {
  return value === undefined
    ? `field ${path} is missing`
    : `field ${path} should be ${article(expected)}, got ${typeName(value)}`;
}

/**
 * A finite number within [min, max] (integers only when `integer`). JSON reads `1e999` as
 * Infinity, which is refused as out of range.
 */
function number(min = Number.NEGATIVE_INFINITY, max = Number.POSITIVE_INFINITY, integer = false): Check {
  return (value, path) => {
    if (typeof value !== 'number') return mistyped(path, 'number', value);
    const inRange = Number.isFinite(value) && value >= min && value <= max;
    if (inRange && (!integer || Number.isSafeInteger(value))) return null;
    const what = integer ? 'an integer' : 'a number';
    const range =
      max === Number.POSITIVE_INFINITY
        ? min === Number.NEGATIVE_INFINITY
          ? 'finite'
          : `>= ${min}`
        : `from ${min} to ${max}`;
    return `field ${path} should be ${what} ${range}, got ${String(value)}`;
  };
}

/** Any finite number. */
const finite = number();
/** A count: a non-negative integer. */
const count = number(0, Number.MAX_SAFE_INTEGER, true);
/** A non-negative number (milliseconds, rates). */
const nonNegative = number(0);
/** A share in [0, 1]. */
const ratio = number(0, 1);
/** An id or version that may be -1 (a background step has no operation). */
const signedInteger = number(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, true);

const text: Check = (value, path) => (typeof value === 'string' ? null : mistyped(path, 'string', value));
const flag: Check = (value, path) => (typeof value === 'boolean' ? null : mistyped(path, 'boolean', value));
const anyArray: Check = (value, path) => (Array.isArray(value) ? null : mistyped(path, 'array', value));
const anyObject: Check = (value, path) =>
  typeName(value) === 'object' ? null : mistyped(path, 'object', value);

/** A registered name (a driver, a strategy): kebab-case letters and digits. */
const registeredName: Check = (value, path) => {
  if (typeof value !== 'string') return mistyped(path, 'string', value);
  return /^[a-z][a-z0-9-]{0,63}$/.test(value)
    ? null
    : `field ${path} should be a registered name (kebab-case), got ${JSON.stringify(value.slice(0, 64))}`;
};

/** One of a few strings. */
function oneOf(...values: string[]): Check {
  return (value, path) => {
    if (typeof value !== 'string') return mistyped(path, 'string', value);
    return values.includes(value)
      ? null
      : `field ${path} should be one of ${values.join(', ')}, got ${JSON.stringify(value)}`;
  };
}

/** `shape`, or null (JSON turns an open bucket's Infinity into null). */
function nullable(shape: Shape): Check {
  return (value, path) => (value === null ? null : firstMismatch(value, shape, path));
}

/** A string, a finite number, a boolean or null: what a setting's value may be. */
const setting: Check = (value, path) =>
  value === null || typeof value === 'string' || typeof value === 'boolean'
    ? null
    : typeof value === 'number'
      ? finite(value, path)
      : `field ${path} should be a string, number, boolean or null, got ${typeName(value)}`;

/** An object of any keys whose values all have `shape`. */
function mapOf(shape: Shape): Check {
  return (value, path) => {
    if (typeName(value) !== 'object') return mistyped(path, 'object', value);
    for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
      const problem = firstMismatch(entry, shape, `${path}.${key}`);
      if (problem !== null) return problem;
    }
    return null;
  };
}

/** `shape`, or absent (fields added to the schema after results were written). */
function optional(shape: Shape): Check {
  return (value, path) => (value === undefined ? null : firstMismatch(value, shape, path));
}

/** An object whose `field` picks its shape among `shapes`. */
function taggedBy(field: string, shapes: Record<string, Shape>): Check {
  return (value, path) => {
    if (typeName(value) !== 'object') return mistyped(path, 'object', value);
    const tag = (value as Record<string, unknown>)[field];
    const problem = oneOf(...Object.keys(shapes))(tag, `${path}.${field}`);
    if (problem !== null) return problem;
    return firstMismatch(value, shapes[tag as string] as Shape, path);
  };
}

const LATENCY: Shape = {
  count,
  p50: nonNegative,
  p90: nonNegative,
  p99: nonNegative,
  p999: nonNegative,
  max: nonNegative,
  mean: nonNegative,
};

const PERCENTILES: Shape = { p50: finite, p99: finite };
const ROUTE_LINK: Shape = { directMs: PERCENTILES, proxiedMs: PERCENTILES, addedMs: PERCENTILES };
const PROCESS_CPU: Shape = { cpuMs: nonNegative, cpuMsPerOp: nonNegative, cores: nonNegative };
/** Fault-window metrics (checker WindowMetrics), as the report renders them. */
const WINDOW_SHAPE: Shape = {
  durationMs: nonNegative,
  ops: count,
  reads: count,
  writes: count,
  errors: count,
  okOps: count,
  goodput: nonNegative,
  attemptedOpsPerSec: nonNegative,
  errorRate: ratio,
  latency: {
    read: { p50Ms: nonNegative, p99Ms: nonNegative },
    write: { p50Ms: nonNegative, p99Ms: nonNegative },
  },
  failedLatency: { p50Ms: nonNegative, p99Ms: nonNegative },
  readsChecked: count,
  staleReads: count,
  staleReadRate: ratio,
};

const RUN_RESULT_SHAPE: Shape = {
  schemaVersion: count,
  run: {
    id: text,
    startedAt: text,
    durationMs: nonNegative,
    warmupMs: nonNegative,
    seed: count,
    strategy: text,
    strategyConfig: mapOf(setting),
    strategyCounters: optional(mapOf(nonNegative)),
    workload: {
      name: text,
      readRatio: ratio,
      distribution: text,
      zipfConstant: nullable(ratio),
      keys: count,
      valueSize: count,
    },
    loadModel: taggedBy('kind', {
      closed: { clients: count },
      open: {
        rate: nonNegative,
        maxInFlight: count,
        droppedOps: count,
        overflow: optional(oneOf('drop', 'queue')),
      },
    }),
    driver: registeredName,
    viaProxy: flag,
    route: optional({
      viaProxy: flag,
      samples: optional(count),
      proxyAddedMs: optional({ redis: ROUTE_LINK, mysql: ROUTE_LINK }),
    }),
    mysqlSettings: optional(mapOf(text)),
    topology: optional({ db: text, cache: text, readFrom: oneOf('primary', 'replica') }),
    ttlSeconds: count,
    settleMs: nonNegative,
    plannedDurationMs: optional(nonNegative),
    plan: optional(text),
    faults: [
      {
        id: text,
        name: text,
        kind: optional(text),
        target: text,
        startMs: nonNegative,
        healMs: nullable(nonNegative),
        params: anyObject,
        recoveryMs: optional(nullable(nonNegative)),
        effect: optional(oneOf('none', 'recovered', 'not-recovered', 'not-healed', 'no-baseline')),
        inside: optional(WINDOW_SHAPE),
      },
    ],
    interrupted: flag,
    interruptedDuring: optional(
      oneOf('preparing', 'warm-up', 'load', 'drain', 'settle', 'snapshot', 'analysis'),
    ),
    env: {
      kind: text,
      versions: mapOf(text),
      commandLine: optional([text]),
      gitCommit: optional(text),
      cpus: optional(count),
      loadAverage: optional([nonNegative]),
    },
  },
  throughput: {
    goodput: nonNegative,
    attemptedOpsPerSec: nonNegative,
    errorRate: ratio,
    okOps: count,
    reads: count,
    writes: count,
    errors: count,
    errorsByKind: mapOf(count),
    timeline: [
      {
        second: count,
        ops: count,
        okOps: count,
        reads: count,
        writes: count,
        errors: count,
        staleReads: count,
        readP99Ms: nonNegative,
        writeP99Ms: nonNegative,
      },
    ],
  },
  latency: { read: LATENCY, write: LATENCY, failed: { read: LATENCY, write: LATENCY } },
  cache: {
    hitRatio: ratio,
    hits: count,
    misses: count,
    commands: optional(mapOf(count)),
    commandsMeasuredBy: optional(text),
  },
  db: { queries: count },
  consistency: {
    valid: flag,
    readsChecked: count,
    staleReads: count,
    staleReadRate: ratio,
    readsAfterWrite: count,
    staleReadRateAfterWrite: ratio,
    staleness: { p50Ms: nonNegative, p99Ms: nonNegative, maxMs: nonNegative, maxVersionLag: count },
    visibility: [{ fromMs: nonNegative, toMs: nullable(nonNegative), reads: count, visibleShare: ratio }],
    divergentKeys: count,
    divergent: [
      {
        key: signedInteger,
        dbVersion: count,
        cacheVersion: count,
        kind: oneOf('cache-older', 'cache-newer'),
      },
    ],
    lostWrites: nullable(count),
    lostWritesMeasuredBy: text,
    lost: [{ op: signedInteger, key: signedInteger, version: count, finalDbVersion: count }],
    writesAboveFinalRow: count,
    nines: [
      {
        delayMs: nonNegative,
        probes: count,
        inconsistent: count,
        consistentShare: ratio,
        keys: count,
        keyWeightedShare: ratio,
        flushLagged: count,
      },
    ],
    examples: [
      {
        kind: oneOf('stale-read', 'divergent-key', 'lost-write'),
        key: signedInteger,
        description: text,
        operations: [
          {
            op: signedInteger,
            client: count,
            kind: oneOf('read', 'write'),
            invokeMs: finite,
            // An operation still open when the load stopped has no completion (NaN, null in JSON).
            completeMs: nullable(finite),
            outcome: oneOf('ok', 'fail', 'info'),
            // -1: a failed or unknown write's version is not known.
            version: signedInteger,
            source: nullable(oneOf('cache', 'db')),
          },
        ],
        // A step that sees no version (a miss, a delete) records -1.
        steps: [{ step: text, key: signedInteger, version: signedInteger, atMs: finite, op: signedInteger }],
      },
    ],
  },
  cpu: optional({
    windowMs: nonNegative,
    ops: count,
    processes: mapOf(PROCESS_CPU),
    machine: optional({
      cores: count,
      busyShare: ratio,
      idleShare: ratio,
      iowaitShare: ratio,
      stealShare: ratio,
      loadAverage: [nonNegative],
    }),
    saturated: flag,
    saturation: [text],
  }),
  replication: optional({
    topology: oneOf('primary-replica'),
    readFrom: oneOf('primary', 'replica'),
    secondsBehindMaster: {
      intervalMs: nonNegative,
      samples: count,
      unknown: count,
      failedReads: count,
      p50: nullable(nonNegative),
      max: nullable(nonNegative),
    },
    visibilityLagMs: {
      samples: count,
      notVisible: count,
      p50: nullable(nonNegative),
      p99: nullable(nonNegative),
      max: nullable(nonNegative),
    },
  }),
};

/** The optional `http` section of a run driven over HTTP. */
const HTTP_SHAPE: Shape = {
  tool: text,
  connections: count,
  overallRate: nullable(nonNegative),
  durationSec: nonNegative,
  requestsPerSec: { mean: nonNegative, stddev: nonNegative },
  latencyMs: { p50: nonNegative, p99: nonNegative, p999: nonNegative, max: nonNegative },
  sent: count,
  completed: count,
  responses2xx: count,
  non2xx: count,
  errors: count,
  timeouts: count,
  statusCodes: mapOf(count),
};

/** A rule checked on a result (`thresholds`, `budget`). */
const RULE_CHECKS: Shape = [{ rule: text, metric: text, held: flag, actual: nullable(finite), detail: text }];

/** One metric over repeated runs. */
const METRIC_SPREAD: Shape = {
  median: nullable(finite),
  lo: nullable(finite),
  hi: nullable(finite),
  method: oneOf('runs', 'seconds', 'range'),
  values: [nullable(finite)],
};

/** The first place `value` departs from `shape`, as "field: problem", or null. */
function firstMismatch(value: unknown, shape: Shape, path: string): string | null {
  if (typeof shape === 'function') return shape(value, path);
  if (Array.isArray(shape)) {
    if (!Array.isArray(value)) return mistyped(path, 'array', value);
    const element = shape[0];
    for (let i = 0; i < value.length; i++) {
      const problem = firstMismatch(value[i], element, `${path}[${i}]`);
      if (problem !== null) return problem;
    }
    return null;
  }
  if (typeName(value) !== 'object') return mistyped(path, 'object', value);
  const record = value as Record<string, unknown>;
  for (const [field, fieldShape] of Object.entries(shape)) {
    const problem = firstMismatch(record[field], fieldShape, path === '' ? field : `${path}.${field}`);
    if (problem !== null) return problem;
  }
  return null;
}

/** The first problem of one run's result (its optional sections too), or null. */
function resultProblem(json: unknown, path: string): string | null {
  const at = (field: string): string => (path === '' ? field : `${path}.${field}`);
  const record = json as Record<string, unknown>;
  return (
    firstMismatch(json, RUN_RESULT_SHAPE, path) ??
    (record.http === undefined ? null : firstMismatch(record.http, HTTP_SHAPE, at('http'))) ??
    (record.faultWindows === undefined
      ? null
      : firstMismatch(
          record.faultWindows,
          { inside: WINDOW_SHAPE, outside: WINDOW_SHAPE },
          at('faultWindows'),
        )) ??
    firstMismatch(record.thresholds, optional(RULE_CHECKS), at('thresholds')) ??
    firstMismatch(record.budget, optional(RULE_CHECKS), at('budget'))
  );
}

/** The first problem of a `repeats` section: its shape, then each run as a whole result. */
function repeatsProblem(repeats: unknown): string | null {
  const problem = firstMismatch(
    repeats,
    {
      count: number(1, Number.MAX_SAFE_INTEGER, true),
      representative: count,
      level: ratio,
      resamples: count,
      metrics: mapOf(METRIC_SPREAD),
      runs: anyArray,
    },
    'repeats',
  );
  if (problem !== null) return problem;
  const r = repeats as { count: number; representative: number; runs: unknown[] };
  if (r.runs.length !== r.count) {
    return `field repeats.runs should hold repeats.count (${r.count}) runs, got ${r.runs.length}`;
  }
  if (r.representative >= r.count) {
    return `field repeats.representative should be below repeats.count (${r.count}), got ${r.representative}`;
  }
  for (const [i, run] of r.runs.entries()) {
    const path = `repeats.runs[${i}]`;
    if (typeName(run) !== 'object') return mistyped(path, 'object', run);
    if ((run as Record<string, unknown>).repeats !== undefined)
      return `field ${path}.repeats should be absent`;
    const inner = resultProblem(run, path);
    if (inner !== null) return inner;
  }
  return null;
}

/**
 * Checks parsed JSON against the result schema (versions {@link READABLE_SCHEMA_VERSIONS}; a
 * version 2 result is a version 3 one without the sections 3 added). Throws a
 * ConfigurationError with one line naming `source` and the first problem: not an object,
 * an older or unknown schemaVersion, a missing or mistyped field.
 */
export function validateResult(json: unknown, source: string): RunResult {
  if (typeName(json) !== 'object') {
    throw new ConfigurationError(
      `${source}: not a cacheproof result (expected a JSON object, got ${typeName(json)})`,
    );
  }
  const version = (json as Record<string, unknown>).schemaVersion;
  if (version === undefined) {
    throw new ConfigurationError(`${source}: not a cacheproof result (no schemaVersion field)`);
  }
  if (typeof version !== 'number' || !READABLE_SCHEMA_VERSIONS.includes(version)) {
    throw new ConfigurationError(
      `${source}: schemaVersion ${JSON.stringify(version)} is not supported; this cacheproof reads ${READABLE_SCHEMA_VERSIONS.join(' and ')}`,
    );
  }
  const record = json as Record<string, unknown>;
  const problem =
    resultProblem(json, '') ?? (record.repeats === undefined ? null : repeatsProblem(record.repeats));
  if (problem !== null) throw new ConfigurationError(`${source}: broken result, ${problem}`);
  return json as RunResult;
}

/** Reads and validates one result.json file. */
async function readResultFile(file: string): Promise<RunResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigurationError(
      `${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(`${file}: not valid JSON (${jsonProblem(error, text)})`);
  }
  return validateResult(json, file);
}

/**
 * Reads a run's results: a result.json file, a run directory holding one, a matrix directory
 * whose sub-directories each hold one (what `--strategy all` writes), or a grid directory whose
 * plan sub-directories hold strategy directories (what `--grid` writes); in path order.
 * Throws ConfigurationError when nothing readable is there.
 */
export async function readResult(pathOrDir: string): Promise<RunResult | RunResult[]> {
  const info = await stat(pathOrDir).catch(() => null);
  if (info === null) throw new ConfigurationError(`${pathOrDir}: no such file or directory`);
  if (info.isFile()) return readResultFile(pathOrDir);
  if (!info.isDirectory()) {
    throw new ConfigurationError(`${pathOrDir}: not a result.json file nor a directory holding one`);
  }
  const direct = join(pathOrDir, RESULT_FILE);
  if (await isFile(direct)) return readResultFile(direct);
  const files = await resultsOneLevelDown(pathOrDir);
  if (files.length === 0) {
    for (const sub of await subDirectories(pathOrDir)) files.push(...(await resultsOneLevelDown(sub)));
  }
  if (files.length === 0) {
    throw new ConfigurationError(
      `${pathOrDir}: no ${RESULT_FILE} in this directory nor in its sub-directories`,
    );
  }
  return Promise.all(files.map(readResultFile));
}

async function subDirectories(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    throw new ConfigurationError(`${dir}: cannot list (${error.code ?? String(error)})`);
  });
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort((a, b) => a.localeCompare(b))
    .map((name) => join(dir, name));
}

/** The result.json files of `dir`'s sub-directories. */
async function resultsOneLevelDown(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const sub of await subDirectories(dir)) {
    const candidate = join(sub, RESULT_FILE);
    if (await isFile(candidate)) files.push(candidate);
  }
  return files;
}

async function isFile(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => null);
  return info?.isFile() ?? false;
}
