import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BenchOptions, DEFAULTS, parseBenchArgs } from '../../../bench/cli/options.ts';
import { formatDuration, parseDuration } from '../../../kernel/duration.ts';
import { ConfigurationError } from '../../../kernel/index.ts';

const STRATEGIES = ['cache-aside', 'db-only'];
const parse = (...argv: string[]) => parseBenchArgs(argv, STRATEGIES, () => 1234);

function options(...argv: string[]): BenchOptions {
  const command = parse(...argv);
  assert.equal(command.kind, 'run');
  return (command as { options: BenchOptions }).options;
}

function rejects(argv: string[], message: string): void {
  assert.throws(
    () => parse(...argv),
    (error: unknown) => {
      assert.ok(error instanceof ConfigurationError, `not a ConfigurationError: ${String(error)}`);
      assert.equal(error.message, message);
      assert.ok(!error.message.includes('\n'));
      return true;
    },
  );
}

describe('parseDuration', () => {
  it('reads ms, s, m and h, fractions included', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('10s'), 10_000);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('2m'), 120_000);
    assert.equal(parseDuration('1h'), 3_600_000);
    assert.equal(parseDuration('0s'), 0);
  });

  it('refuses numbers without a unit, negatives, unknown units and junk', () => {
    for (const text of ['10', '-5s', '5 sec', '5d', 's', '', 'ten seconds', '1e3ms']) {
      assert.equal(parseDuration(text), undefined, text);
    }
  });

  it('formats durations back', () => {
    assert.equal(formatDuration(500), '500ms');
    assert.equal(formatDuration(10_000), '10s');
    assert.equal(formatDuration(1500), '1.5s');
    assert.equal(formatDuration(120_000), '2m');
  });
});

describe('parseBenchArgs', () => {
  it('fills every default', () => {
    const o = options('--strategy', 'cache-aside');
    assert.deepEqual(o, {
      strategies: ['cache-aside'],
      matrix: false,
      workload: {
        name: 'ycsb-a',
        readRatio: 0.5,
        distribution: 'zipfian',
        zipfConstant: DEFAULTS.zipfConstant,
        keys: DEFAULTS.keys,
        valueSize: DEFAULTS.valueSize,
      },
      load: { kind: 'closed', clients: DEFAULTS.clients },
      durationMs: 10_000,
      warmupMs: 2000,
      settleMs: 1000,
      seed: 1234,
      ttlSeconds: 0,
      env: 'local',
      outDir: undefined,
      keepHistory: false,
      viaProxy: true,
      warmCache: true,
      strategyOptions: {},
      driver: 'in-process',
      flushIntervalMs: 50,
      flushBatchSize: 200,
      thresholds: [],
      grid: false,
      budget: [],
      commandLine: ['--strategy', 'cache-aside'],
      allowExistingDb: false,
      faultSpecs: [],
      faultPlan: [],
      redisAof: 'none',
      errorPolicy: { onCacheError: 'fail', onInvalidationError: 'fail' },
    });
  });

  it('reads --grid and --budget (comma-separated rules), and refuses --budget without --grid', () => {
    const o = options(
      '--strategy',
      'all',
      '--grid',
      '--fault',
      'calm',
      '--budget',
      'staleReadRate<=0.001, lostWrites==0',
    );
    assert.equal(o.grid, true);
    assert.deepEqual(
      o.budget?.map((t) => t.text),
      ['staleReadRate<=0.001', 'lostWrites==0'],
    );
    assert.throws(
      () => options('--strategy', 'all', '--budget', 'lostWrites==0'),
      /--budget: only applies with --grid/,
    );
    assert.throws(
      () => options('--strategy', 'all', '--grid', '--budget', 'nope<1'),
      /^ConfigurationError: --budget 'nope<1': unknown metric/,
    );
  });

  it('reads the driver, write-behind flush settings, thresholds and --allow-existing-db', () => {
    const o = options(
      '--strategy=cache-aside',
      '--driver',
      'http',
      '--flush-interval',
      '200ms',
      '--flush-batch',
      '500',
      '--threshold',
      'staleReadRate<=0.001',
      '--threshold',
      'readP99Ms<20ms',
      '--env',
      'external',
      '--allow-existing-db',
    );
    assert.equal(o.driver, 'http');
    assert.equal(o.flushIntervalMs, 200);
    assert.equal(o.flushBatchSize, 500);
    assert.deepEqual(
      o.thresholds.map((t) => [t.metric, t.operator, t.value]),
      [
        ['staleReadRate', '<=', 0.001],
        ['readP99Ms', '<', 20],
      ],
    );
    assert.equal(o.allowExistingDb, true);
  });

  it('reads every option', () => {
    const o = options(
      '--strategy=db-only',
      '--workload',
      'ycsb-b',
      '--read-ratio',
      '0.7',
      '--distribution',
      'hotspot',
      '--zipf-constant',
      '0.8',
      '--rate',
      '2500',
      '--max-in-flight',
      '64',
      '--duration',
      '1m',
      '--warmup',
      '0s',
      '--settle',
      '250ms',
      '--keys',
      '500',
      '--value-size',
      '16384',
      '--seed',
      '7',
      '--ttl',
      '30',
      '--env',
      'external',
      '--out',
      '/tmp/x',
      '--keep-history',
      '--direct',
    );
    assert.equal(o.workload.name, 'ycsb-b*');
    assert.equal(o.workload.readRatio, 0.7);
    assert.equal(o.workload.distribution, 'hotspot');
    assert.equal(o.workload.zipfConstant, 0.8);
    assert.deepEqual(o.load, { kind: 'open', rate: 2500, maxInFlight: 64 });
    assert.deepEqual(options('--strategy=db-only', '--rate', '100', '--no-drop').load, {
      kind: 'open',
      rate: 100,
      maxInFlight: 1024,
      overflow: 'queue',
    });
    assert.equal(o.durationMs, 60_000);
    assert.equal(o.warmupMs, 0);
    assert.equal(o.settleMs, 250);
    assert.equal(o.workload.keys, 500);
    assert.equal(o.workload.valueSize, 16384);
    assert.equal(o.seed, 7);
    assert.equal(o.ttlSeconds, 30);
    assert.equal(o.env, 'external');
    assert.equal(o.outDir, '/tmp/x');
    assert.equal(o.keepHistory, true);
    assert.equal(o.viaProxy, false);
    assert.equal(options('--strategy', 'db-only', '--ttl', '5m').ttlSeconds, 300);
  });

  it('expands --strategy all to every registered strategy', () => {
    const o = options('--strategy', 'all', '--seed', '1');
    assert.deepEqual(o.strategies, STRATEGIES);
    assert.equal(o.matrix, true);
  });

  it('answers --help and --list without requiring a strategy', () => {
    assert.deepEqual(parse('--help'), { kind: 'help' });
    assert.deepEqual(parse('-h'), { kind: 'help' });
    assert.deepEqual(parse('--list'), { kind: 'list' });
  });

  it('says in one line what is wrong with each bad input', () => {
    const cases: Array<[string[], string]> = [
      [[], '--strategy: required; expected one of cache-aside, db-only or all'],
      [
        ['--strategy', 'nope'],
        "--strategy: unknown strategy 'nope'; expected one of cache-aside, db-only or all",
      ],
      [['--strategy'], '--strategy: expected a value after the option'],
      [
        ['--strategy', 'db-only', '--workload', 'ycsb-z'],
        "--workload: unknown workload 'ycsb-z'; expected one of ycsb-a, ycsb-b, ycsb-c, write-heavy, hot-keys",
      ],
      [
        ['--strategy', 'db-only', '--duration', '-5s'],
        "--duration: expected a positive duration like 500ms, 10s or 2m, got '-5s'",
      ],
      [
        ['--strategy', 'db-only', '--duration', '0s'],
        "--duration: expected a positive duration like 500ms, 10s or 2m, got '0s'",
      ],
      [
        ['--strategy', 'db-only', '--duration', 'ten'],
        "--duration: expected a positive duration like 500ms, 10s or 2m, got 'ten'",
      ],
      [
        ['--strategy', 'db-only', '--duration', '10'],
        "--duration: expected a positive duration like 500ms, 10s or 2m, got '10'",
      ],
      [
        ['--strategy', 'db-only', '--warmup', '-1s'],
        "--warmup: expected a duration like 500ms, 10s or 2m (0s allowed), got '-1s'",
      ],
      [['--strategy', 'db-only', '--duration', '2147484s'], "--duration: at most 24h, got '2147484s'"],
      [['--strategy', 'db-only', '--warmup', '720h'], "--warmup: at most 24h, got '720h'"],
      [['--strategy', 'db-only', '--settle', '720h'], "--settle: at most 24h, got '720h'"],
      [['--strategy', 'db-only', '--flush-interval', '25h'], "--flush-interval: at most 24h, got '25h'"],
      [
        ['--strategy', 'db-only', '--clients', '4', '--rate', '100'],
        '--clients and --rate: choose one load model (closed-loop --clients N or open-loop --rate R)',
      ],
      [
        ['--strategy', 'db-only', '--clients', '2.5'],
        "--clients: expected an integer from 1 to 4096, got '2.5'",
      ],
      [['--strategy', 'db-only', '--clients', '0'], "--clients: expected an integer from 1 to 4096, got '0'"],
      [
        ['--strategy', 'db-only', '--rate', '-3'],
        "--rate: expected a positive number of operations per second up to 10000000, got '-3'",
      ],
      [
        ['--strategy', 'db-only', '--max-in-flight', '8'],
        '--max-in-flight: only applies to the open-loop model; add --rate R',
      ],
      [
        ['--strategy', 'db-only', '--no-drop'],
        '--no-drop: only applies to the open-loop model; add --rate R',
      ],
      [
        ['--strategy', 'db-only', '--rate', '10', '--no-drop', '--driver', 'http'],
        '--no-drop: the http driver paces autocannon, which has no intended start per request; use --driver in-process',
      ],
      [
        ['--strategy', 'db-only', '--rate', '10', '--max-in-flight', '70000'],
        "--max-in-flight: expected an integer from 1 to 65535, got '70000'",
      ],
      [['--strategy', 'db-only', '--keys', '0'], "--keys: expected an integer from 1 to 10000000, got '0'"],
      [
        ['--strategy', 'db-only', '--value-size', '16385'],
        "--value-size: expected an integer from 1 to 16384 bytes, got '16385'",
      ],
      [
        ['--strategy', 'db-only', '--read-ratio', '1.5'],
        "--read-ratio: expected a number from 0 to 1, got '1.5'",
      ],
      [
        ['--strategy', 'db-only', '--distribution', 'pareto'],
        "--distribution: unknown distribution 'pareto'; expected one of uniform, zipfian, hotspot, latest",
      ],
      [
        ['--strategy', 'db-only', '--zipf-constant', '1'],
        "--zipf-constant: expected a number between 0 and 1 (exclusive), got '1'",
      ],
      [
        ['--strategy', 'db-only', '--seed', 'abc'],
        "--seed: expected an integer from 0 to 9007199254740991, got 'abc'",
      ],
      [
        ['--strategy', 'db-only', '--ttl', '1.5s'],
        "--ttl: expected whole seconds like 30, 30s or 5m (0 = no expiry), got '1.5s'",
      ],
      [
        ['--strategy', 'db-only', '--env', 'cloud'],
        "--env: unknown environment 'cloud'; expected one of local, external, docker",
      ],
      [['--strategy', 'db-only', '--out', ''], '--out: expected a directory path, got an empty string'],
      [['--strategy', 'db-only', '--bogus'], '--bogus: unknown option; see --help for the options'],
      [
        ['--strategy', 'db-only', '--driver', 'grpc'],
        "--driver: unknown driver 'grpc'; expected one of in-process, http, workers",
      ],
      [
        ['--strategy', 'db-only', '--flush-batch', '0'],
        "--flush-batch: expected an integer from 1 to 100000, got '0'",
      ],
      [
        ['--strategy', 'db-only', '--flush-interval', 'soon'],
        "--flush-interval: expected a positive duration like 500ms, 10s or 2m, got 'soon'",
      ],
      [
        ['--strategy', 'db-only', '--threshold', 'speed>9'],
        "--threshold 'speed>9': unknown metric speed; known: goodput, attemptedOpsPerSec, readP50Ms, readP90Ms, readP99Ms, readP999Ms, readMaxMs, writeP50Ms, writeP90Ms, writeP99Ms, writeP999Ms, writeMaxMs, staleReadRate, staleReadRateAfterWrite, staleReads, stalenessP99Ms, stalenessMaxMs, maxVersionLag, divergentKeys, lostWrites, writesAboveFinalRow, errors, errorRate, hitRatio, dbQueries, redisCommands, droppedOps",
      ],
      [
        ['--strategy', 'db-only', '--allow-existing-db'],
        '--allow-existing-db: only applies with --env external',
      ],
      [['--strategy', 'db-only', '--direct=yes'], '--direct: takes no value'],
      [['--strategy', 'db-only', 'extra'], "unexpected argument 'extra'; options start with -- (see --help)"],
      [
        ['--strategy', 'db-only', '--on-cache-error', 'ignore'],
        "--on-cache-error: unknown policy 'ignore'; expected one of fail, fallback",
      ],
      [
        ['--strategy', 'db-only', '--on-invalidation-error', 'later'],
        "--on-invalidation-error: unknown policy 'later'; expected one of fail, retry",
      ],
      [['--strategy', 'db-only', '--workers', '0'], "--workers: expected an integer from 1 to 64, got '0'"],
      [
        ['--strategy', 'db-only', '--workers', '2', '--driver', 'http'],
        '--workers: runs the workers driver; drop --driver http',
      ],
    ];
    for (const [argv, message] of cases) rejects(argv, message);
  });
});

describe('--strategy-option', () => {
  it('collects name=value pairs and refuses anything else in one line', () => {
    const command = parseBenchArgs(
      [
        '--strategy',
        'cache-aside',
        '--strategy-option',
        'singleFlight=true',
        '--strategy-option',
        'delayMs=250',
      ],
      ['cache-aside'],
      () => 1,
    );
    assert.equal(command.kind, 'run');
    assert.deepEqual(command.kind === 'run' ? command.options.strategyOptions : undefined, {
      singleFlight: 'true',
      delayMs: '250',
    });
    assert.throws(
      () =>
        parseBenchArgs(
          ['--strategy', 'cache-aside', '--strategy-option', 'nonsense'],
          ['cache-aside'],
          () => 1,
        ),
      /^ConfigurationError: --strategy-option: expected name=value \(e\.g\. delayMs=500, singleFlight=true\), got 'nonsense'$/,
    );
  });
});

describe('application model options', () => {
  it('reads the error policies and --workers', () => {
    const parsed = options(
      '--strategy',
      'cache-aside',
      '--on-cache-error',
      'fallback',
      '--on-invalidation-error',
      'retry',
    );
    assert.deepEqual(parsed.errorPolicy, { onCacheError: 'fallback', onInvalidationError: 'retry' });
    assert.equal(parsed.driver, 'in-process');
    const workers = options('--strategy', 'cache-aside', '--workers', '4');
    assert.equal(workers.workers, 4);
    assert.equal(workers.driver, 'workers');
  });

  it('reads --db-topology and --read-from, and refuses what the topology or the environment lacks', () => {
    const single = options('--strategy', 'cache-aside');
    assert.equal(single.dbTopology, undefined);
    assert.equal(single.readFrom, undefined);
    const replica = options(
      '--strategy',
      'cache-aside',
      '--db-topology',
      'primary-replica',
      '--read-from',
      'replica',
    );
    assert.equal(replica.dbTopology, 'primary-replica');
    assert.equal(replica.readFrom, 'replica');
    assert.equal(options('--strategy', 'db-only', '--read-from', 'primary').readFrom, undefined);
    rejects(
      ['--strategy', 'db-only', '--db-topology', 'ring'],
      "--db-topology: unknown topology 'ring'; expected one of single, primary-replica",
    );
    rejects(
      ['--strategy', 'db-only', '--read-from', 'cache'],
      "--read-from: unknown server 'cache'; expected one of primary, replica",
    );
    rejects(
      ['--strategy', 'db-only', '--read-from', 'replica'],
      '--read-from replica: needs --db-topology primary-replica (the single topology has no replica)',
    );
    for (const env of ['external', 'docker']) {
      rejects(
        ['--strategy', 'db-only', '--env', env, '--db-topology', 'primary-replica'],
        `--db-topology primary-replica: the ${env} environment provides single only; use --env local`,
      );
    }
  });
});

describe('--runs and scoped rules', () => {
  it('reads --runs (default absent: one run) and refuses what is not 1..100', () => {
    assert.equal(options('--strategy', 'db-only').runs, undefined);
    assert.equal(options('--strategy', 'db-only', '--runs', '5').runs, 5);
    rejects(['--strategy', 'db-only', '--runs', '0'], "--runs: expected an integer from 1 to 100, got '0'");
    rejects(
      ['--strategy', 'db-only', '--runs', 'five'],
      "--runs: expected an integer from 1 to 100, got 'five'",
    );
  });

  it('reads rules scoped to a strategy or a plan, and refuses an unknown strategy in one line', () => {
    const [rule] = options(
      '--strategy',
      'db-only',
      '--threshold',
      'cache-aside@redis-crash:staleReadRate<=0.01',
    ).thresholds;
    assert.deepEqual(rule?.scope, { strategy: 'cache-aside', plan: 'redis-crash' });
    rejects(
      ['--strategy', 'db-only', '--threshold', 'write-behnid:lostWrites<=50'],
      "--threshold 'write-behnid:lostWrites<=50': unknown strategy write-behnid; expected one of cache-aside, db-only",
    );
    rejects(
      ['--strategy', 'all', '--grid', '--budget', 'lostWrites==0,lease:lostWrites<=5'],
      "--budget 'lease:lostWrites<=5': unknown strategy lease; expected one of cache-aside, db-only",
    );
  });
});
