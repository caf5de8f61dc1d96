import { type SeededDraws, seededDraws } from '../kernel/index.ts';
import { FAULT_KINDS } from './registry.ts';
import type { FaultTarget, PlannedFault } from './types.ts';

/** What a preset may use besides the run's duration and seed. */
export interface PresetOptions {
  /** False with an environment that does not own the processes: `mixed` then draws network faults only. */
  processes: boolean;
  /** Application worker processes of the run (`--workers`); undefined when the application runs in-process. */
  appWorkers?: number;
  /** True with `--cache-topology cluster`: Redis process faults become `redis-failover` (there is no single redis-server). */
  cluster?: boolean;
}

/** A named fault plan, a function of the run so its faults sit inside the measured load. */
export interface FaultPreset {
  readonly name: string;
  readonly summary: string;
  plan(durationMs: number, seed: number, options: PresetOptions): PlannedFault[];
}

/** A fault from 30% of the run for 30% of it: the run has a calm stretch before, during and after. */
function middleWindow(durationMs: number): { at: number; duration: number } {
  return { at: Math.round(durationMs * 0.3), duration: Math.max(1, Math.round(durationMs * 0.3)) };
}

function single(name: string, summary: string, entry: Omit<PlannedFault, 'at' | 'duration'>): FaultPreset {
  return { name, summary, plan: (durationMs) => [{ ...entry, ...middleWindow(durationMs) }] };
}

/** Short alternating bursts on both links between 20% and 80% of the run. */
function flakyNetwork(durationMs: number): PlannedFault[] {
  const bursts: Omit<PlannedFault, 'at' | 'duration'>[] = [
    { fault: 'reset-peer', target: 'redis' },
    { fault: 'latency', target: 'mysql', params: { latencyMs: 100, jitterMs: 50 } },
    { fault: 'reset-peer', target: 'mysql' },
    { fault: 'latency', target: 'redis', params: { latencyMs: 50, jitterMs: 25 } },
    { fault: 'partition', target: 'redis', params: { mode: 'timeout' } },
    { fault: 'latency', target: 'mysql', params: { latencyMs: 200, jitterMs: 100, direction: 'both' } },
  ];
  const slot = (durationMs * 0.6) / bursts.length;
  const duration = Math.max(1, Math.round(Math.min(durationMs * 0.05, 2000)));
  return bursts.map((burst, i) => ({ ...burst, at: Math.round(durationMs * 0.2 + i * slot), duration }));
}

const TARGETS: readonly FaultTarget[] = ['redis', 'mysql'];
/** The seed's generator stream random plans draw from, apart from the workload's client streams. */
const FAULT_PLAN_STREAM = 0x1_0000;

type Draw = (random: SeededDraws) => Omit<PlannedFault, 'at' | 'duration'>;

const NETWORK_DRAWS: readonly Draw[] = [
  (r) => {
    const latencyMs = r.pick([5, 10, 20, 50, 100, 200]);
    return {
      fault: 'latency',
      target: r.pick(TARGETS),
      params: { latencyMs, jitterMs: Math.floor(latencyMs / 4) },
    };
  },
  (r) => ({ fault: 'partition', target: r.pick(TARGETS), params: { mode: r.pick(['timeout', 'disable']) } }),
  (r) => ({ fault: 'reset-peer', target: r.pick(TARGETS) }),
  (r) => ({ fault: 'bandwidth', target: r.pick(TARGETS), params: { rateKBps: r.pick([5, 20, 100]) } }),
  (r) => ({ fault: 'slicer', target: r.pick(TARGETS) }),
  (r) => ({ fault: 'slow-close', target: r.pick(TARGETS) }),
];

const PROCESS_DRAWS: readonly Draw[] = [
  () => ({ fault: 'redis-crash' }),
  () => ({ fault: 'redis-pause' }),
  () => ({ fault: 'mysql-pause' }),
];

/** A cluster has no single redis-server to crash or pause: its process fault is a failover. */
const CLUSTER_PROCESS_DRAWS: readonly Draw[] = [
  (r) => ({ fault: 'redis-failover', target: 'redis', params: { master: r.int(0, 2) } }),
  () => ({ fault: 'mysql-pause' }),
];

/**
 * 3 to 5 faults drawn from the seed, each inside its own slot of the 10%–90% window (so no two
 * overlap); process faults only when the environment owns the processes.
 */
function mixed(durationMs: number, seed: number, options: PresetOptions): PlannedFault[] {
  const random = seededDraws(seed, FAULT_PLAN_STREAM);
  const processDraws = options.cluster === true ? CLUSTER_PROCESS_DRAWS : PROCESS_DRAWS;
  const draws = options.processes ? [...NETWORK_DRAWS, ...processDraws] : NETWORK_DRAWS;
  const count = random.int(3, 5);
  const slot = (durationMs * 0.8) / count;
  const plan: PlannedFault[] = [];
  for (let i = 0; i < count; i++) {
    const entry = random.pick(draws)(random);
    const at = Math.round(durationMs * 0.1 + i * slot + random.next() * slot * 0.3);
    const duration = Math.max(1, Math.round(slot * (0.3 + random.next() * 0.3)));
    plan.push({ ...entry, at, duration });
  }
  return plan;
}

/** A separate stream of the seed for the app-crash preset, so adding it changes no other plan. */
const APP_CRASH_STREAM = 0x1_0001;

/**
 * Three app crashes at seeded random times, each in its own slot of the 20%–80% window: one
 * worker (drawn from the seed among `appWorkers`) is killed and replaced 5% of the run later
 * (at most 2 s).
 */
function appCrashes(durationMs: number, seed: number, options: PresetOptions): PlannedFault[] {
  const random = seededDraws(seed, APP_CRASH_STREAM);
  const workers = Math.max(1, options.appWorkers ?? 1);
  const count = 3;
  const slot = (durationMs * 0.6) / count;
  const duration = Math.max(1, Math.round(Math.min(durationMs * 0.05, 2000, slot / 2)));
  const plan: PlannedFault[] = [];
  for (let i = 0; i < count; i++) {
    const at = Math.round(durationMs * 0.2 + i * slot + random.next() * (slot - duration));
    plan.push({
      fault: 'app-crash',
      target: 'app',
      params: { worker: random.int(0, workers - 1) },
      at,
      duration,
    });
  }
  return plan;
}

/** Every preset `--fault` accepts by name. */
export const FAULT_PRESETS: readonly FaultPreset[] = [
  { name: 'calm', summary: 'no fault (the baseline)', plan: () => [] },
  single('redis-latency', 'Redis link: latency 20ms ±5ms downstream, from 30% of the run for 30%', {
    fault: 'latency',
    target: 'redis',
    params: { latencyMs: 20, jitterMs: 5 },
  }),
  single('mysql-latency', 'MySQL link: latency 50ms ±10ms downstream, from 30% of the run for 30%', {
    fault: 'latency',
    target: 'mysql',
    params: { latencyMs: 50, jitterMs: 10 },
  }),
  single('redis-partition', 'Redis link cut (timeout toxic of 0 both ways), from 30% of the run for 30%', {
    fault: 'partition',
    target: 'redis',
    params: { mode: 'timeout' },
  }),
  single('mysql-partition', 'MySQL link cut (timeout toxic of 0 both ways), from 30% of the run for 30%', {
    fault: 'partition',
    target: 'mysql',
    params: { mode: 'timeout' },
  }),
  single('redis-crash', 'redis-server SIGKILLed at 30% of the run, restarted 30% later (needs --env local)', {
    fault: 'redis-crash',
  }),
  single(
    'redis-restart',
    'an RDB snapshot at 30% of the run; redis-server SIGKILLed and restarted from its AOF or that snapshot 30% later (needs --env local)',
    { fault: 'redis-restart' },
  ),
  single(
    'mysql-crash',
    'mariadbd SIGKILLed at 30% of the run, restarted 30% later: InnoDB recovery (needs --env local)',
    {
      fault: 'mysql-crash',
    },
  ),
  single('redis-pause', 'redis-server SIGSTOPped at 30% of the run, SIGCONT 30% later (needs --env local)', {
    fault: 'redis-pause',
  }),
  single(
    'replica-lag',
    'the replication link to the MySQL replica delayed by 1000ms, from 30% of the run for 30% (needs --db-topology primary-replica)',
    { fault: 'replica-lag', target: 'replication', params: { mode: 'latency', latencyMs: 1000 } },
  ),
  single(
    'invalidator-partition',
    "the CDC invalidator's own MySQL (binlog) link cut, from 30% of the run for 30% (--strategy cdc-invalidate, --env local)",
    { fault: 'invalidator-partition', target: 'invalidator', params: { link: 'mysql' } },
  ),
  single(
    'invalidator-redis-partition',
    "the CDC invalidator's own Redis link cut, from 30% of the run for 30% (--strategy cdc-invalidate, --env local)",
    { fault: 'invalidator-partition', target: 'invalidator', params: { link: 'redis' } },
  ),
  single(
    'invalidator-latency',
    "the CDC invalidator's own Redis link delayed by 20ms, from 30% of the run for 30% (--strategy cdc-invalidate, --env local)",
    { fault: 'invalidator-latency', target: 'invalidator', params: { link: 'redis', latencyMs: 20 } },
  ),
  single(
    'invalidator-crash',
    'the CDC invalidator killed at 30% of the run, restarted from its saved position 30% later (--strategy cdc-invalidate)',
    { fault: 'invalidator-crash', target: 'invalidator' },
  ),
  {
    name: 'redis-failover',
    summary:
      'a Redis Cluster master (drawn from the seed) SIGKILLed at 30% of the run, its replica promoted; restarted as a replica 30% later (needs --cache-topology cluster)',
    plan: (durationMs, seed) => [
      {
        fault: 'redis-failover',
        target: 'redis',
        params: { master: seededDraws(seed, FAULT_PLAN_STREAM).int(0, 2) },
        ...middleWindow(durationMs),
      },
    ],
  },
  {
    name: 'app-crash',
    summary:
      'three application worker processes SIGKILLed at seeded random times (20%–80% of the run), each replaced 5% of the run later (needs --workers)',
    plan: appCrashes,
  },
  {
    name: 'flaky-network',
    summary:
      'six short bursts (reset_peer, latency, a brief partition) alternating links, 20%–80% of the run',
    plan: flakyNetwork,
  },
  {
    name: 'mixed',
    summary:
      '3–5 random faults drawn from the seed (same seed, same plan), one at a time, 10%–90% of the run',
    plan: mixed,
  },
];

/** The preset named `name`, or undefined. */
export function findPreset(name: string): FaultPreset | undefined {
  return FAULT_PRESETS.find((preset) => preset.name === name);
}

/** The text of `--list-faults`: presets, then fault kinds with their parameters for plan files. */
export function describePresets(): string {
  const width =
    Math.max(...FAULT_PRESETS.map((p) => p.name.length), ...FAULT_KINDS.map((k) => k.name.length)) + 2;
  const lines = ['Fault presets (--fault <preset>; several --fault options combine):'];
  for (const preset of FAULT_PRESETS) lines.push(`  ${preset.name.padEnd(width)}${preset.summary}`);
  lines.push(
    '',
    'Fault plan files (--fault plan.json): a JSON array, or { "faults": [...] }, of',
    '  { "fault": <kind>, "target": "redis" | "mysql" | "invalidator", "params": {...}, "at": <ms from load start>, "duration": <ms> }',
    'Fault kinds:',
  );
  for (const kind of FAULT_KINDS) {
    const targets = kind.targets.length === 0 ? '' : ` [target: ${kind.targets.join(' | ')}]`;
    const local =
      kind.needsInvalidator === 'links'
        ? ' (needs --strategy cdc-invalidate, --env local)'
        : kind.needsInvalidator === 'process'
          ? ' (needs --strategy cdc-invalidate)'
          : kind.needsProcess !== undefined
            ? ' (needs --env local)'
            : kind.needsApp === true
              ? ' (needs --workers)'
              : '';
    lines.push(`  ${kind.name.padEnd(width)}${kind.summary}${targets}${local}`);
    for (const [param, spec] of Object.entries(kind.params)) {
      lines.push(`  ${''.padEnd(width)}  ${param}: ${spec.doc} (default ${String(spec.defaultValue)})`);
    }
  }
  return lines.join('\n');
}
