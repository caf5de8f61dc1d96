import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigurationError } from '../kernel/index.ts';
import { jsonProblem } from '../kernel/json.ts';
import { type RunResult, SCHEMA_VERSION } from './types.ts';

/** The file a run directory holds. */
export const RESULT_FILE = 'result.json';

/**
 * The shape a result must have, field by field: a type name, a nested shape, or a
 * one-element array for "array of". `?` after a type allows null (JSON turns an open
 * bucket's Infinity into null).
 */
type Shape = string | { [field: string]: Shape } | [Shape];

const LATENCY: Shape = {
  count: 'number',
  p50: 'number',
  p90: 'number',
  p99: 'number',
  p999: 'number',
  max: 'number',
};

const RUN_RESULT_SHAPE: Shape = {
  schemaVersion: 'number',
  run: {
    id: 'string',
    startedAt: 'string',
    durationMs: 'number',
    warmupMs: 'number',
    seed: 'number',
    strategy: 'string',
    strategyConfig: 'object',
    workload: {
      name: 'string',
      readRatio: 'number',
      distribution: 'string',
      zipfConstant: 'number?',
      keys: 'number',
      valueSize: 'number',
    },
    loadModel: { kind: 'string' },
    driver: 'string',
    viaProxy: 'boolean',
    ttlSeconds: 'number',
    settleMs: 'number',
    faults: [
      {
        id: 'string',
        name: 'string',
        target: 'string',
        color: 'string',
        startMs: 'number',
        healMs: 'number?',
      },
    ],
    interrupted: 'boolean',
    env: { kind: 'string', versions: 'object' },
  },
  throughput: {
    opsPerSec: 'number',
    reads: 'number',
    writes: 'number',
    errors: 'number',
    errorsByKind: 'object',
    timeline: [
      {
        second: 'number',
        ops: 'number',
        reads: 'number',
        writes: 'number',
        errors: 'number',
        staleReads: 'number',
        readP99Ms: 'number',
        writeP99Ms: 'number',
      },
    ],
  },
  latency: { read: LATENCY, write: LATENCY },
  cache: { hitRatio: 'number', hits: 'number', misses: 'number' },
  db: { queries: 'number' },
  consistency: {
    valid: 'boolean',
    readsChecked: 'number',
    staleReads: 'number',
    staleReadRate: 'number',
    staleness: { p50Ms: 'number', p99Ms: 'number', maxMs: 'number', maxVersionLag: 'number' },
    visibility: [{ fromMs: 'number', toMs: 'number?', reads: 'number', visibleShare: 'number' }],
    divergentKeys: 'number',
    divergent: 'array',
    lostWrites: 'number',
    lost: 'array',
    nines: [{ delayMs: 'number', probes: 'number', consistentShare: 'number' }],
    examples: [
      {
        kind: 'string',
        key: 'number',
        description: 'string',
        operations: [
          {
            op: 'number',
            client: 'number',
            kind: 'string',
            invokeMs: 'number',
            completeMs: 'number',
            outcome: 'string',
            version: 'number',
          },
        ],
        steps: [{ step: 'string', key: 'number', version: 'number', atMs: 'number', op: 'number' }],
      },
    ],
  },
};

/** The optional `http` section of a run driven over HTTP. */
const HTTP_SHAPE: Shape = {
  tool: 'string',
  connections: 'number',
  overallRate: 'number?',
  durationSec: 'number',
  requestsPerSec: { mean: 'number', stddev: 'number' },
  latencyMs: { p50: 'number', p99: 'number', p999: 'number', max: 'number' },
  sent: 'number',
  completed: 'number',
  responses2xx: 'number',
  non2xx: 'number',
  errors: 'number',
  timeouts: 'number',
  statusCodes: 'object',
};

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** The first place `value` departs from `shape`, as "field: problem", or null. */
function firstMismatch(value: unknown, shape: Shape, path: string): string | null {
  if (typeof shape === 'string') {
    const nullable = shape.endsWith('?');
    const expected = nullable ? shape.slice(0, -1) : shape;
    const actual = typeName(value);
    if (nullable && actual === 'null') return null;
    if (value === undefined) return `field ${path} is missing`;
    if (actual !== expected) return `field ${path} should be ${article(expected)}, got ${actual}`;
    return null;
  }
  if (Array.isArray(shape)) {
    if (!Array.isArray(value)) {
      return value === undefined
        ? `field ${path} is missing`
        : `field ${path} should be an array, got ${typeName(value)}`;
    }
    const element = shape[0];
    for (let i = 0; i < value.length; i++) {
      const problem = firstMismatch(value[i], element, `${path}[${i}]`);
      if (problem !== null) return problem;
    }
    return null;
  }
  if (typeName(value) !== 'object') {
    return value === undefined
      ? `field ${path} is missing`
      : `field ${path} should be an object, got ${typeName(value)}`;
  }
  const record = value as Record<string, unknown>;
  for (const [field, fieldShape] of Object.entries(shape)) {
    const problem = firstMismatch(record[field], fieldShape, path === '' ? field : `${path}.${field}`);
    if (problem !== null) return problem;
  }
  return null;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/**
 * Checks parsed JSON against result schema version {@link SCHEMA_VERSION}. Throws a
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
  if (version !== SCHEMA_VERSION) {
    throw new ConfigurationError(
      `${source}: schemaVersion ${JSON.stringify(version)} is not supported; this cacheproof reads ${SCHEMA_VERSION}`,
    );
  }
  const record = json as Record<string, unknown>;
  const problem =
    firstMismatch(json, RUN_RESULT_SHAPE, '') ??
    (record.http === undefined ? null : firstMismatch(record.http, HTTP_SHAPE, 'http'));
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
 * Reads a run's results: a result.json file, a run directory holding one, or a matrix
 * directory whose sub-directories each hold one (what `--strategy all` writes; returned
 * in sub-directory name order). Throws ConfigurationError when nothing readable is there.
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
  const entries = await readdir(pathOrDir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    throw new ConfigurationError(`${pathOrDir}: cannot list (${error.code ?? String(error)})`);
  });
  const files: string[] = [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const candidate = join(pathOrDir, entry.name, RESULT_FILE);
    if (await isFile(candidate)) files.push(candidate);
  }
  if (files.length === 0) {
    throw new ConfigurationError(
      `${pathOrDir}: no ${RESULT_FILE} in this directory nor in its sub-directories`,
    );
  }
  return Promise.all(files.map(readResultFile));
}

async function isFile(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => null);
  return info?.isFile() ?? false;
}
