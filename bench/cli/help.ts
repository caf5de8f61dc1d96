import { MAX_PLAN_ENTRIES, MAX_PLAN_FILE_BYTES } from '../../chaos/plan.ts';
import { MAX_DURATION_TEXT } from '../../kernel/index.ts';
import { MIN_RUNS_FOR_BOOTSTRAP } from '../../reports/repeats.ts';
import { MAX_PAYLOAD_BYTES } from '../../services/schema.ts';
import { describeOptionSpec } from '../../strategies/strategy-options.ts';
import type { StrategyEntry } from '../../strategies/types.ts';
import { DISTRIBUTIONS, WORKLOAD_PRESETS } from '../workload/workload.ts';
import { DEFAULTS, MAX_CLIENTS, MAX_KEYS, MAX_RUNS } from './options.ts';

/** The `--help` text: every option with its default, then examples. */
export function helpText(): string {
  return `Usage: npm run bench -- --strategy <name|all> [options]

Drives a caching strategy with a seeded load, records every operation, checks the history
and the final state of cache and MySQL, and writes result.json plus a summary.

Strategy and workload
  --strategy <name|all>    strategy to run, or all of them in turn with the same seed (required);
                           a comma-separated subset (cache-aside,lease) or the option repeated
                           runs those in turn, as a matrix
  --workload <preset>      ${WORKLOAD_PRESETS.map((p) => p.name).join(', ')} (default ${DEFAULTS.workload})
  --read-ratio <0..1>      override the preset's share of reads (the result then names the
                           workload '<preset>*')
  --distribution <name>    key distribution: ${DISTRIBUTIONS.join(', ')} (default: the
                           preset's, zipfian). zipfian scatters popular keys over the key space
                           as YCSB's scrambled zipfian does; hotspot sends 80% of operations to
                           20% of keys; latest favours the keys just behind a write frontier that
                           moves through the key space
  --zipf-constant <c>      zipfian constant in (0, 1) for zipfian and latest (default ${DEFAULTS.zipfConstant})
  --keys <n>               rows loaded before the run, keys 1..n (default ${DEFAULTS.keys}, max ${MAX_KEYS})
  --value-size <bytes>     payload size, 1..${MAX_PAYLOAD_BYTES} (default ${DEFAULTS.valueSize})
  --seed <n>               seed of every operation sequence (default: random, printed in the result)
  --ttl <seconds>          cache entry TTL, e.g. 30 or 5m; 0 = no expiry (default ${DEFAULTS.ttl})

Load model (choose one)
  --clients <n>            closed loop: n clients, each sends its next operation when the last
                           completes (default ${DEFAULTS.clients}, max ${MAX_CLIENTS})
  --rate <ops/s>           open loop: operations start on a fixed schedule; latency counts from
                           the intended start (coordinated omission corrected)
  --max-in-flight <n>      open loop: operations due while n are outstanding are dropped and
                           counted (default ${DEFAULTS.maxInFlight})
  --no-drop                open loop: operations due while max-in-flight are outstanding wait
                           in a queue instead of being dropped; their wait counts in latency

Timing (durations: 500ms, 10s, 1.5s, 2m, 1h; each at most ${MAX_DURATION_TEXT})
  --duration <d>           measured load (default ${DEFAULTS.duration})
  --warmup <d>             load before measurement; its operations are not recorded in the
                           history, latencies or counts (default ${DEFAULTS.warmup}; 0s for none)
  --cold-cache             start the cache patterns with an empty cache; by default every loaded
                           key is read once through the strategy before the load (at most 30 s),
                           so the cache starts warm as a service's does
  --settle <d>             wait after load stops and drain() returns, before the final
                           snapshot of cache and MySQL (default ${DEFAULTS.settle})
  --runs <n>               run each strategy (under each plan) n times with the same seed, in n
                           rounds; result.json keeps every run and per metric the median and a 95%
                           interval (a bootstrap over the runs from ${MIN_RUNS_FOR_BOOTSTRAP} runs on, over their
                           seconds below); thresholds judge the median (default 1, max ${MAX_RUNS})

Driver and strategy options
  --driver <name>          in-process (the harness calls the strategy) or http (autocannon drives
                           GET/PUT /items/:id on a small service wrapping it) (default ${DEFAULTS.driver})
  --flush-interval <d>     write-behind: time between flushes of the queue to MySQL
                           (default ${DEFAULTS.flushInterval}, at most ${MAX_DURATION_TEXT})
  --strategy-option <k=v>  an option of the strategy's mechanism (repeatable), recorded in the
                           result: delayMs (delayed-double-delete), tombstoneTtlMs (versioned-set),
                           leaseTtlMs, leaseWaitMs (lease), cdcAction (cdc-invalidate),
                           consistency=weak|strong (tag-as-deleted), singleFlight=true
                           (cache-aside, write-through); --list shows every pattern's; a name
                           none of them knows, or a bad value: exit 2 before anything starts
  --flush-batch <n>        write-behind: queued writes per flush batch (default ${DEFAULTS.flushBatch})

Application model
  --on-cache-error <p>     a read whose Redis step fails: fail (info) or fallback (served from
                           MySQL, counted as degradedReads) (default fail)
  --on-invalidation-error <p>  a write whose cache delete fails: fail (info; MySQL committed) or
                           retry (acknowledged; the delete retried in the background, 50 ms
                           doubling to 1 s, 20 attempts, in process memory: a crash loses it)
                           (default fail)
  --workers <n>            run the application as n processes (the workers driver), --clients
                           split among them, one history and one clock

Faults (see --list-faults)
  --fault <preset|file>    inject faults during the measured load: a preset (redis-latency,
                           redis-crash, mysql-latency, redis-partition, mixed, ...) or a JSON plan
                           file of { fault, target, params, at, duration } entries (at and
                           duration in ms, at most ${MAX_DURATION_TEXT}; at most ${MAX_PLAN_ENTRIES} entries and
                           ${MAX_PLAN_FILE_BYTES / 1024 / 1024} MiB per file); repeatable, the plans combine. Offsets count from the end of the warm-up; every
                           fault is healed when the load stops, also on Ctrl-C and on errors.
                           --strategy all gives every strategy the same plan
  --grid                   each --fault in turn instead of combined: every strategy runs under
                           every plan (--fault calm for none) with one seed, one folder per plan
                           and strategy, plus grid.json and one grid report.html
  --budget <rules>         with --grid: recommend the strategies within these rules under every
                           plan, ranked by their lowest goodput, and say for each other one the
                           first plan that breaks it and why; comma-separated threshold rules,
                           e.g. 'staleReadRate<=0.001,lostWrites==0' (repeatable; never exit 3;
                           each cell lists its rules ✓/✗ and records them in result.json)
  --redis-aof <mode>       Redis persistence of the environment the harness starts: none,
                           everysec or always (default none: a crashed Redis comes back empty)
  --list-faults            describe the fault presets and fault kinds, then exit

Environment and output
  --env <kind>             local (start Redis, MariaDB, Toxiproxy here), external (CACHEPROOF_*_URL
                           or the docker compose defaults), docker (default ${DEFAULTS.env})
  --db-topology <t>        single (one MariaDB) or primary-replica (a second mariadbd replicating
                           from the first, GTID and row-based, through Toxiproxy so replica-lag can
                           slow the link; --env local only) (default single)
  --read-from <server>     primary or replica: which MySQL answers the strategies' reads (a miss's
                           SELECT, db-only's reads); writes, the final snapshot and the binlog
                           evidence always use the primary; replica needs --db-topology
                           primary-replica (default primary)
  --cache-topology <t>     single (one redis-server) or cluster (a Redis Cluster: three masters and
                           one replica each, every node behind its own Toxiproxy proxy and
                           announcing it, so redirections cross the proxies too; needed by the
                           redis-failover fault; --env local only) (default single)
  --direct                 connect the strategy straight to Redis and MySQL, bypassing Toxiproxy
  --out <dir>              where to write result.json and report.html (default
                           reports/out/<run-id>/; with --strategy all, one folder per strategy
                           plus matrix.json and a side-by-side report.html)
  --keep-history           also save the recorded history (history.bin.gz) next to result.json
  --threshold <rule>       fail with exit 3 when a result breaks it, e.g. 'staleReadRate<=0.001',
                           'readP99Ms<20ms', 'lostWrites==0', scoped 'write-behind:lostWrites<=50'
                           or 'cache-aside@redis-crash:staleReadRate<=0.01' (repeatable; each
                           listed held ✓ or broken ✗ and recorded in result.json; metrics: npm run
                           compare -- --help)
  --allow-existing-db      --env external: accept a MySQL database whose name does not say it is for
                           benchmarks (by whole word, split on _ - . and case: bench, benchmark(s),
                           cacheproof, test(s); prod_latest and contest_results do not), and a Redis
                           database (CACHEPROOF_REDIS_URL's /N, default 0) holding keys other than
                           item:* and wb:*. Runs truncate items and FLUSHDB that Redis database; an
                           items table with other columns is refused even so
  --json                   print the result as JSON on stdout (an array of results for a matrix or
                           grid) and nothing else there; summaries and progress go to stderr
  --quiet                  no progress, summary or warning: errors and one final verdict line
  --config <file.json>     read options from a JSON object whose keys are the long option names
                           ({"strategy": "lease", "duration": "10s", "fault": ["redis-crash"]});
                           options given on the command line win; an unknown key: exit 2
  --list                   list strategies and workloads, then exit
  --version                print the version, then exit
  -h, --help               this text

Live progress goes to stderr: on a terminal one line rewritten in place and cleared at the
end ([2/5] in a matrix or --runs, the phase: preparing, warm-up, measuring, draining,
checking; time left, the fault in effect, ops/s, errors, stale reads so far), otherwise a
line per phase change. "stale so far" applies the checker's stale-read definition online; the
checker's count after the run is the one reported. Colour only on a terminal, never with
NO_COLOR set. Under npm, options need a -- before them (npm run bench -- --strategy x); without
it npm keeps them, and the harness says so (exit 2).

Ctrl-C or SIGTERM (also sent to npm alone), or the exit of the process that started the
harness, stops the load and still checks and writes what ran; a second one quits at once.

Exit codes: 0 ok · 1 the harness failed · 2 invalid arguments or configuration (said before
any service starts) · 3 a threshold was crossed · 130 interrupted (the result of what ran is
still written)

Examples
  npm run bench -- --strategy cache-aside
  npm run bench -- --strategy db-only --duration 10s --seed 7
  npm run bench -- --strategy cache-aside --duration 5s --seed 7 --runs 5
  npm run bench -- --strategy all --duration 10s --seed 1
  npm run bench -- --strategy write-behind --workload write-heavy --rate 5000 --duration 30s
  npm run bench -- --strategy cache-aside --workload ycsb-b --distribution hotspot --keys 100000 --keep-history
  npm run bench -- --strategy write-behind --fault redis-crash --duration 10s --seed 1
  npm run bench -- --strategy all --fault mysql-latency --workload write-heavy --seed 1
  npm run bench -- --strategy all --grid --fault calm --fault redis-crash --budget 'staleReadRate<=0.001,lostWrites==0'
  npm run bench -- --strategy db-only,cache-aside --duration 3s --json > results.json
  npx cacheproof bench --config cacheproof.json --quiet
`;
}

/** The `--list` text: strategies (from the registry) and workload presets. */
export function listText(strategies: readonly Pick<StrategyEntry, 'name' | 'summary' | 'options'>[]): string {
  const width = Math.max(
    ...strategies.map((s) => s.name.length),
    ...WORKLOAD_PRESETS.map((p) => p.name.length),
  );
  return [
    'Strategies',
    ...strategies.flatMap((s) => [
      `  ${s.name.padEnd(width)}  ${s.summary}`,
      ...(s.options === undefined || s.options.length === 0
        ? []
        : [`  ${''.padEnd(width)}  --strategy-option: ${s.options.map(describeOptionSpec).join(', ')}`]),
    ]),
    '',
    'Workloads',
    ...WORKLOAD_PRESETS.map((p) => `  ${p.name.padEnd(width)}  ${p.summary}, ${p.distribution} keys`),
    '',
    `Distributions: ${DISTRIBUTIONS.join(', ')}`,
    '',
  ].join('\n');
}
