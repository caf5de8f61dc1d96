import { parseArgs } from 'node:util';
import {
  ConfigurationError,
  formatDuration,
  MAX_DURATION_MS,
  MAX_DURATION_TEXT,
  messageOf,
  parseDuration,
} from '../../kernel/index.ts';
import { parseThreshold, type Threshold } from '../../reports/thresholds.ts';
import {
  checkTopology,
  parseCacheTopology,
  parseDbTopology,
  parseEnvironmentKind,
} from '../../services/index.ts';
import { MAX_PAYLOAD_BYTES } from '../../services/schema.ts';
import type { CacheTopology, DbTopology, EnvironmentKind, RedisPersistence } from '../../services/types.ts';
import { parseStrategyOptions } from '../../strategies/strategy-options.ts';
import type {
  CacheErrorPolicy,
  ErrorPolicy,
  InvalidationErrorPolicy,
  ReadFrom,
} from '../../strategies/types.ts';
import { findDriver } from '../drivers/registry.ts';
import type { LoadModel } from '../drivers/types.ts';
import { RUN_DEFAULTS } from '../run/defaults.ts';
import type { RunOptions } from '../run/types.ts';
import {
  DISTRIBUTIONS,
  type Distribution,
  findWorkload,
  WORKLOAD_PRESETS,
  type WorkloadSpec,
} from '../workload/workload.ts';
import { parseStrategyList } from './strategy-list.ts';

/** A validated `npm run bench` invocation: one run's options plus what the session and the CLI do with it. */
export interface BenchOptions extends RunOptions {
  /** Strategy names to run in turn (one, or every registered one for `--strategy all`). */
  strategies: string[];
  matrix: boolean;
  env: EnvironmentKind;
  outDir: string | undefined;
  keepHistory: boolean;
  /** `--threshold` rules checked on each result; a crossing exits 3. */
  thresholds: Threshold[];
  /** `--grid`: run every strategy under each `--fault` plan in turn instead of combining them. */
  grid?: boolean;
  /** `--budget` rules: the grid's recommendation (empty: none). */
  budget?: Threshold[];
  /** The arguments as given, kept in each result to run it again. */
  commandLine?: string[];
  /** external: accept a database whose name does not say it is for benchmarks. */
  allowExistingDb: boolean;
  /** `--fault` values as given (preset names or plan files), in order; absent = none. */
  faultSpecs?: string[];
  /** Redis AOF of a local or docker environment: none (the default when absent), everysec or always. */
  redisAof?: RedisPersistence;
  /** `--runs N`: each strategy (and plan) run N times with the same seed; absent = 1. */
  runs?: number;
  /** `--db-topology`: one MySQL, or a primary and a replica (local only); absent = single. */
  dbTopology?: DbTopology;
  /** `--cache-topology`: one Redis, or a Redis Cluster of three masters with a replica each (local only); absent = single. */
  cacheTopology?: CacheTopology;
  /** `--json`: the result as JSON on stdout, and nothing else there. */
  json?: boolean;
  /** `--quiet`: no progress, summary or warning; errors and one final verdict line. */
  quiet?: boolean;
}

/** What the command line asks for. */
export type BenchCommand =
  | { kind: 'help' }
  | { kind: 'list' }
  | { kind: 'list-faults' }
  | { kind: 'version' }
  | { kind: 'run'; options: BenchOptions };

/** The run defaults ({@link RUN_DEFAULTS}) as `--help` spells them. */
export const DEFAULTS = {
  workload: RUN_DEFAULTS.workload,
  clients: RUN_DEFAULTS.clients,
  maxInFlight: RUN_DEFAULTS.maxInFlight,
  duration: formatDuration(RUN_DEFAULTS.durationMs),
  warmup: formatDuration(RUN_DEFAULTS.warmupMs),
  settle: formatDuration(RUN_DEFAULTS.settleMs),
  keys: RUN_DEFAULTS.keys,
  valueSize: RUN_DEFAULTS.valueSize,
  zipfConstant: RUN_DEFAULTS.zipfConstant,
  ttl: RUN_DEFAULTS.ttlSeconds,
  env: 'local' as EnvironmentKind,
  driver: RUN_DEFAULTS.driver,
  flushInterval: formatDuration(RUN_DEFAULTS.flushIntervalMs),
  flushBatch: RUN_DEFAULTS.flushBatchSize,
} as const;

/** Upper bounds that keep a run inside one machine's memory and the loader's patience. */
export const MAX_KEYS = 10_000_000;
export const MAX_CLIENTS = 4096;
export const MAX_RATE = 10_000_000;
/** The history's client column is 16-bit and the open loop's client id is its in-flight slot. */
export const MAX_IN_FLIGHT = 65_535;
/** The Redis persistence modes `--redis-aof` accepts. */
export const REDIS_AOF_MODES: readonly RedisPersistence[] = ['none', 'everysec', 'always'];
/** What `--on-cache-error` and `--on-invalidation-error` accept (the first is the default). */
export const CACHE_ERROR_POLICIES: readonly CacheErrorPolicy[] = ['fail', 'fallback'];
export const INVALIDATION_ERROR_POLICIES: readonly InvalidationErrorPolicy[] = ['fail', 'retry'];
/** What `--read-from` accepts (the first is the default). */
export const READ_FROM_CHOICES: readonly ReadFrom[] = ['primary', 'replica'];
/** Most application processes `--workers` starts (each holds its own connections). */
export const MAX_WORKERS = 64;
/** Most repetitions `--runs` makes of each strategy and plan. */
export const MAX_RUNS = 100;

export const OPTION_SPEC = {
  strategy: { type: 'string', multiple: true },
  workload: { type: 'string' },
  'read-ratio': { type: 'string' },
  distribution: { type: 'string' },
  'zipf-constant': { type: 'string' },
  clients: { type: 'string' },
  rate: { type: 'string' },
  'max-in-flight': { type: 'string' },
  'no-drop': { type: 'boolean' },
  duration: { type: 'string' },
  warmup: { type: 'string' },
  settle: { type: 'string' },
  keys: { type: 'string' },
  'value-size': { type: 'string' },
  seed: { type: 'string' },
  ttl: { type: 'string' },
  env: { type: 'string' },
  out: { type: 'string' },
  'keep-history': { type: 'boolean' },
  direct: { type: 'boolean' },
  'cold-cache': { type: 'boolean' },
  driver: { type: 'string' },
  'flush-interval': { type: 'string' },
  'flush-batch': { type: 'string' },
  threshold: { type: 'string', multiple: true },
  'allow-existing-db': { type: 'boolean' },
  fault: { type: 'string', multiple: true },
  grid: { type: 'boolean' },
  budget: { type: 'string', multiple: true },
  'strategy-option': { type: 'string', multiple: true },
  'list-faults': { type: 'boolean' },
  'redis-aof': { type: 'string' },
  'db-topology': { type: 'string' },
  'cache-topology': { type: 'string' },
  'read-from': { type: 'string' },
  'on-cache-error': { type: 'string' },
  'on-invalidation-error': { type: 'string' },
  workers: { type: 'string' },
  runs: { type: 'string' },
  list: { type: 'boolean' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
  config: { type: 'string' },
  version: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Every long option the CLI accepts (for `--help` completeness checks). */
export const OPTION_NAMES: readonly string[] = Object.keys(OPTION_SPEC);

/**
 * Parses and validates argv (without `node` and the script). Every problem is a
 * ConfigurationError whose message names the option and what was expected; nothing
 * here touches a service. `knownStrategies` comes from the registry; `randomSeed`
 * supplies the seed when `--seed` is absent.
 */
export function parseBenchArgs(
  argv: readonly string[],
  knownStrategies: readonly string[],
  randomSeed: () => number,
): BenchCommand {
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTION_SPEC; strict: true }>>['values'];
  try {
    ({ values } = parseArgs({
      args: joinNegativeValues(argv),
      options: OPTION_SPEC,
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new ConfigurationError(parseArgsMessage(error));
  }
  if (values.help) return { kind: 'help' };
  if (values.list) return { kind: 'list' };
  if (values['list-faults']) return { kind: 'list-faults' };
  if (values.version) return { kind: 'version' };

  const { strategies, matrix } = parseStrategyList(values.strategy, knownStrategies);

  const workloadName = values.workload ?? DEFAULTS.workload;
  const preset = findWorkload(workloadName);
  if (!preset) {
    const names = WORKLOAD_PRESETS.map((p) => p.name).join(', ');
    throw new ConfigurationError(`--workload: unknown workload '${workloadName}'; expected one of ${names}`);
  }
  const readRatio =
    values['read-ratio'] === undefined ? preset.readRatio : ratio('--read-ratio', values['read-ratio']);
  const distribution = values.distribution ?? preset.distribution;
  if (!(DISTRIBUTIONS as readonly string[]).includes(distribution)) {
    throw new ConfigurationError(
      `--distribution: unknown distribution '${distribution}'; expected one of ${DISTRIBUTIONS.join(', ')}`,
    );
  }
  const zipfConstant =
    values['zipf-constant'] === undefined
      ? DEFAULTS.zipfConstant
      : openUnitInterval('--zipf-constant', values['zipf-constant']);

  if (values.clients !== undefined && values.rate !== undefined) {
    throw new ConfigurationError(
      '--clients and --rate: choose one load model (closed-loop --clients N or open-loop --rate R)',
    );
  }
  if (values['max-in-flight'] !== undefined && values.rate === undefined) {
    throw new ConfigurationError('--max-in-flight: only applies to the open-loop model; add --rate R');
  }
  if (values['no-drop'] === true && values.rate === undefined) {
    throw new ConfigurationError('--no-drop: only applies to the open-loop model; add --rate R');
  }
  const load: LoadModel =
    values.rate !== undefined
      ? {
          kind: 'open',
          rate: positiveNumber('--rate', values.rate, MAX_RATE, 'operations per second'),
          maxInFlight:
            values['max-in-flight'] === undefined
              ? DEFAULTS.maxInFlight
              : integer('--max-in-flight', values['max-in-flight'], 1, MAX_IN_FLIGHT),
          ...(values['no-drop'] === true ? { overflow: 'queue' as const } : {}),
        }
      : {
          kind: 'closed',
          clients:
            values.clients === undefined
              ? DEFAULTS.clients
              : integer('--clients', values.clients, 1, MAX_CLIENTS),
        };

  const env = parseEnvironmentKind(values.env ?? DEFAULTS.env);
  const workers =
    values.workers === undefined ? undefined : integer('--workers', values.workers, 1, MAX_WORKERS);
  if (workers !== undefined && values.driver !== undefined && values.driver !== 'workers') {
    throw new ConfigurationError(`--workers: runs the workers driver; drop --driver ${values.driver}`);
  }
  const driver = findDriver(workers === undefined ? (values.driver ?? DEFAULTS.driver) : 'workers');
  driver.validate?.(load);
  const errorPolicy: ErrorPolicy = {
    onCacheError: choice('--on-cache-error', values['on-cache-error'], CACHE_ERROR_POLICIES),
    onInvalidationError: choice(
      '--on-invalidation-error',
      values['on-invalidation-error'],
      INVALIDATION_ERROR_POLICIES,
    ),
  };
  const thresholds = (values.threshold ?? [])
    .map(parseThreshold)
    .map((t) => knownScope('--threshold', t, knownStrategies));
  const redisAof = values['redis-aof'] ?? 'none';
  if (!(REDIS_AOF_MODES as readonly string[]).includes(redisAof)) {
    throw new ConfigurationError(
      `--redis-aof: unknown mode '${redisAof}'; expected one of ${REDIS_AOF_MODES.join(', ')}`,
    );
  }
  if (redisAof !== 'none' && env === 'external') {
    throw new ConfigurationError(
      '--redis-aof: the harness does not start Redis with --env external; configure AOF on that server instead',
    );
  }
  const dbTopology = parseDbTopology(values['db-topology'] ?? 'single');
  const cacheTopology = parseCacheTopology(values['cache-topology'] ?? 'single');
  checkTopology(env, { db: dbTopology, cache: cacheTopology });
  if (cacheTopology === 'cluster' && redisAof !== 'none') {
    throw new ConfigurationError(
      '--redis-aof: applies to the single Redis server; the cluster nodes run without persistence (drop --redis-aof or --cache-topology cluster)',
    );
  }
  const readFrom = values['read-from'] ?? 'primary';
  if (!(READ_FROM_CHOICES as readonly string[]).includes(readFrom)) {
    throw new ConfigurationError(
      `--read-from: unknown server '${readFrom}'; expected one of ${READ_FROM_CHOICES.join(', ')}`,
    );
  }
  if (readFrom === 'replica' && dbTopology !== 'primary-replica') {
    throw new ConfigurationError(
      `--read-from replica: needs --db-topology primary-replica (the ${dbTopology} topology has no replica)`,
    );
  }
  if (values['allow-existing-db'] && env !== 'external') {
    throw new ConfigurationError('--allow-existing-db: only applies with --env external');
  }
  const grid = values.grid ?? false;
  if (values.budget !== undefined && !grid) {
    throw new ConfigurationError('--budget: only applies with --grid (each --fault plan in turn)');
  }
  const budget = (values.budget ?? [])
    .flatMap(parseBudget)
    .map((t) => knownScope('--budget', t, knownStrategies));
  if (values.out !== undefined && values.out.trim() === '') {
    throw new ConfigurationError('--out: expected a directory path, got an empty string');
  }

  const workload: WorkloadSpec = {
    name:
      values['read-ratio'] === undefined && values.distribution === undefined
        ? preset.name
        : `${preset.name}*`,
    readRatio,
    distribution: distribution as Distribution,
    zipfConstant,
    keys: values.keys === undefined ? DEFAULTS.keys : integer('--keys', values.keys, 1, MAX_KEYS),
    valueSize:
      values['value-size'] === undefined
        ? DEFAULTS.valueSize
        : integer('--value-size', values['value-size'], 1, MAX_PAYLOAD_BYTES, ' bytes'),
  };

  return {
    kind: 'run',
    options: {
      strategies,
      matrix,
      workload,
      load,
      durationMs: duration('--duration', values.duration ?? DEFAULTS.duration, false),
      warmupMs: duration('--warmup', values.warmup ?? DEFAULTS.warmup, true),
      settleMs: duration('--settle', values.settle ?? DEFAULTS.settle, true),
      seed:
        values.seed === undefined ? randomSeed() : integer('--seed', values.seed, 0, Number.MAX_SAFE_INTEGER),
      ttlSeconds: values.ttl === undefined ? DEFAULTS.ttl : ttlSeconds(values.ttl),
      env,
      outDir: values.out,
      keepHistory: values['keep-history'] ?? false,
      viaProxy: !(values.direct ?? false),
      warmCache: !(values['cold-cache'] ?? false),
      strategyOptions: parseStrategyOptions(values['strategy-option'] ?? []),
      driver: driver.name,
      flushIntervalMs: duration(
        '--flush-interval',
        values['flush-interval'] ?? DEFAULTS.flushInterval,
        false,
      ),
      flushBatchSize:
        values['flush-batch'] === undefined
          ? DEFAULTS.flushBatch
          : integer('--flush-batch', values['flush-batch'], 1, 100_000),
      thresholds,
      grid,
      budget,
      commandLine: [...argv],
      allowExistingDb: values['allow-existing-db'] ?? false,
      faultSpecs: values.fault ?? [],
      faultPlan: [],
      redisAof: redisAof as RedisPersistence,
      ...(dbTopology === 'single' ? {} : { dbTopology }),
      ...(cacheTopology === 'single' ? {} : { cacheTopology }),
      ...(readFrom === 'primary' ? {} : { readFrom: readFrom as ReadFrom }),
      errorPolicy,
      ...(workers === undefined ? {} : { workers }),
      ...(values.runs === undefined ? {} : { runs: integer('--runs', values.runs, 1, MAX_RUNS) }),
      ...(values.json === true ? { json: true } : {}),
      ...(values.quiet === true ? { quiet: true } : {}),
    },
  };
}

/** A rule scoped to a strategy the registry does not know is a typo. */
function knownScope(option: string, rule: Threshold, knownStrategies: readonly string[]): Threshold {
  const strategy = rule.scope?.strategy;
  if (strategy !== undefined && !knownStrategies.includes(strategy)) {
    throw new ConfigurationError(
      `${option} '${rule.text}': unknown strategy ${strategy}; expected one of ${knownStrategies.join(', ')}`,
    );
  }
  return rule;
}

/** `--budget 'a<=1,b==0'`: threshold rules separated by commas, each said as a --budget problem. */
function parseBudget(text: string): Threshold[] {
  const rules = text
    .split(',')
    .map((rule) => rule.trim())
    .filter((rule) => rule !== '');
  if (rules.length === 0) {
    throw new ConfigurationError(
      `--budget '${text}': expected rules like 'staleReadRate<=0.001,lostWrites==0'`,
    );
  }
  return rules.map((rule) => {
    try {
      return parseThreshold(rule);
    } catch (error) {
      throw new ConfigurationError(messageOf(error).replace(/^--threshold/, '--budget'));
    }
  });
}

/**
 * parseArgs refuses `--duration -5s` as ambiguous; joining it into `--duration=-5s` lets
 * validation say what is wrong with the value instead.
 */
function joinNegativeValues(argv: readonly string[]): string[] {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const next = argv[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : '';
    const spec = (OPTION_SPEC as Record<string, { type: string }>)[name];
    if (spec?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      args.push(`${arg}=${next}`);
      i++;
    } else {
      args.push(arg);
    }
  }
  return args;
}

function parseArgsMessage(error: unknown): string {
  const message = messageOf(error);
  const code = (error as { code?: string }).code;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = /'([^']+)'/.exec(message)?.[1] ?? message;
    return `${option}: unknown option; see --help for the options`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const option = /'(--[^' ]+)/.exec(message)?.[1] ?? 'option';
    return message.includes('argument missing')
      ? `${option}: expected a value after the option`
      : `${option}: takes no value`;
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const positional = /'([^']+)'/.exec(message)?.[1] ?? '';
    return `unexpected argument '${positional}'; options start with -- (see --help)`;
  }
  return message.split('\n')[0] ?? message;
}

/** `text` when it is one of `allowed`, the first of them when absent; a ConfigurationError otherwise. */
function choice<T extends string>(option: string, text: string | undefined, allowed: readonly T[]): T {
  if (text === undefined) return allowed[0] as T;
  if (!(allowed as readonly string[]).includes(text)) {
    throw new ConfigurationError(
      `${option}: unknown policy '${text}'; expected one of ${allowed.join(', ')}`,
    );
  }
  return text as T;
}

function duration(option: string, text: string, zeroAllowed: boolean): number {
  const ms = parseDuration(text);
  const expected = zeroAllowed
    ? 'a duration like 500ms, 10s or 2m (0s allowed)'
    : 'a positive duration like 500ms, 10s or 2m';
  if (ms === undefined) throw new ConfigurationError(`${option}: expected ${expected}, got '${text}'`);
  if (!zeroAllowed && ms <= 0) throw new ConfigurationError(`${option}: expected ${expected}, got '${text}'`);
  if (ms > MAX_DURATION_MS) {
    throw new ConfigurationError(`${option}: at most ${MAX_DURATION_TEXT}, got '${text}'`);
  }
  return ms;
}

function ttlSeconds(text: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : parseDuration(text);
  if (ms === undefined || ms % 1000 !== 0) {
    throw new ConfigurationError(
      `--ttl: expected whole seconds like 30, 30s or 5m (0 = no expiry), got '${text}'`,
    );
  }
  return ms / 1000;
}

function integer(option: string, text: string, min: number, max: number, unit = ''): number {
  const value = /^-?\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigurationError(
      `${option}: expected an integer from ${min} to ${max}${unit}, got '${text}'`,
    );
  }
  return value;
}

function positiveNumber(option: string, text: string, max: number, unit: string): number {
  const value = text.trim() === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(value) || value <= 0 || value > max) {
    throw new ConfigurationError(
      `${option}: expected a positive number of ${unit} up to ${max}, got '${text}'`,
    );
  }
  return value;
}

function ratio(option: string, text: string): number {
  const value = text.trim() === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new ConfigurationError(`${option}: expected a number from 0 to 1, got '${text}'`);
  }
  return value;
}

function openUnitInterval(option: string, text: string): number {
  const value = text.trim() === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(value) || value <= 0 || value >= 1) {
    throw new ConfigurationError(`${option}: expected a number between 0 and 1 (exclusive), got '${text}'`);
  }
  return value;
}
