import { readFileSync } from 'node:fs';
import type { CpuBudget, MachineCpu, ProcessCpu } from '../../reports/types.ts';

/** /proc reports process and machine times in USER_HZ ticks, 100 per second on Linux. */
const MS_PER_TICK = 10;

/** Below this share of idle (and I/O wait) time the machine had no CPU to spare. */
export const SATURATED_IDLE_SHARE = 0.1;
/** Above this share of stolen time the hypervisor gave the machine less than it counts. */
export const SATURATED_STEAL_SHARE = 0.05;
/** The harness is one event loop: at this share of a core it may be what limits the load. */
export const SATURATED_HARNESS_CORES = 0.9;
/** A 1-minute load average above this many runnable tasks per core. */
export const SATURATED_LOAD_PER_CORE = 2;

/** The machine's CPU counters at one instant (/proc/stat's aggregate line, in ticks), and its load. */
export interface MachineSample {
  cores: number;
  total: number;
  idle: number;
  iowait: number;
  steal: number;
  loadAverage: [number, number, number];
}

/** Parses /proc/stat's aggregate `cpu` line and counts its `cpuN` lines; undefined when absent. */
export function parseProcStat(text: string, loadavgText: string): MachineSample | undefined {
  const lines = text.split('\n');
  const aggregate = lines.find((line) => line.startsWith('cpu '));
  if (aggregate === undefined) return undefined;
  // user nice system idle iowait irq softirq steal (guest time is already in user).
  const ticks = aggregate.trim().split(/\s+/).slice(1, 9).map(Number);
  const [, , , idle = 0, iowait = 0, , , steal = 0] = ticks;
  const loads = loadavgText.trim().split(/\s+/).slice(0, 3).map(Number);
  return {
    cores: Math.max(1, lines.filter((line) => /^cpu\d+ /.test(line)).length),
    total: ticks.reduce((sum, t) => sum + (Number.isFinite(t) ? t : 0), 0),
    idle,
    iowait,
    steal,
    loadAverage: [loads[0] ?? 0, loads[1] ?? 0, loads[2] ?? 0],
  };
}

/** A process's user + system CPU time in ms from its /proc/<pid>/stat line (utime, stime: fields 14, 15). */
export function parsePidStatCpuMs(text: string): number | undefined {
  // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) * MS_PER_TICK : undefined;
}

/** The machine's share of idle, I/O-wait and stolen time between two samples, and the later load average. */
export function machineCpuBetween(start: MachineSample, end: MachineSample): MachineCpu {
  const total = end.total - start.total;
  const share = (ticks: number): number => (total > 0 ? round(ticks / total, 4) : 0);
  const idleShare = share(end.idle - start.idle);
  const iowaitShare = share(end.iowait - start.iowait);
  return {
    cores: end.cores,
    busyShare: total > 0 ? round(Math.max(0, 1 - idleShare - iowaitShare), 4) : 0,
    idleShare,
    iowaitShare,
    stealShare: share(end.steal - start.steal),
    loadAverage: end.loadAverage,
  };
}

/**
 * Why the measured window's figures may say more about the machine than about the pattern:
 * no idle time left, time stolen by the hypervisor, a long run queue, or the harness's one
 * event loop near a full core. Empty when none holds.
 */
export function saturationReasons(machine: MachineCpu, harnessCores: number): string[] {
  const reasons: string[] = [];
  const idle = machine.idleShare + machine.iowaitShare;
  if (idle < SATURATED_IDLE_SHARE) {
    reasons.push(`machine ${percent(1 - idle)} busy (${percent(idle)} idle) over the measured window`);
  }
  if (machine.stealShare > SATURATED_STEAL_SHARE) {
    reasons.push(`hypervisor stole ${percent(machine.stealShare)} of CPU time`);
  }
  const load = machine.loadAverage[0];
  if (load > SATURATED_LOAD_PER_CORE * machine.cores) {
    reasons.push(`1-minute load average ${load.toFixed(2)} on ${machine.cores} cores`);
  }
  if (harnessCores >= SATURATED_HARNESS_CORES) {
    reasons.push(`the harness used ${harnessCores.toFixed(2)} of a core: its event loop may limit the load`);
  }
  return reasons;
}

/**
 * CPU spent during the measured window, per process and by the machine: started when
 * measurement begins and stopped when the load stops (both synchronous reads of /proc).
 * The harness's own time comes from `process.cpuUsage()` (every thread, microseconds); a
 * service's from /proc/<pid>/stat (every thread, 10 ms ticks). A process that cannot be read
 * (not Linux, a container's PID, gone) or that was restarted during the window is left out.
 */
export class CpuMeter {
  private startMs = 0;
  private endMs = 0;
  private harnessStart: NodeJS.CpuUsage | undefined;
  private harnessMs = 0;
  private readonly startCpu = new Map<string, number>();
  private readonly endCpu = new Map<string, number>();
  private startPids: Record<string, number | undefined> = {};
  private machineStart: MachineSample | undefined;
  private machineEnd: MachineSample | undefined;

  constructor(private readonly pids: () => Record<string, number | undefined>) {}

  start(): void {
    this.startMs = performance.now();
    this.harnessStart = process.cpuUsage();
    this.startPids = { ...this.pids() };
    readPids(this.startPids, this.startCpu);
    this.machineStart = readMachine();
  }

  stop(): void {
    if (this.harnessStart === undefined || this.endMs > 0) return;
    this.endMs = performance.now();
    const used = process.cpuUsage(this.harnessStart);
    this.harnessMs = (used.user + used.system) / 1000;
    // A server restarted in the window (a crash fault) is a new process: its CPU before is gone.
    const now = this.pids();
    const same = Object.fromEntries(
      Object.entries(now).filter(([name, pid]) => pid !== undefined && pid === this.startPids[name]),
    );
    readPids(same, this.endCpu);
    this.machineEnd = readMachine();
  }

  /** The budget over `ops` operations completed in the window; undefined when it was not measured. */
  budget(ops: number): CpuBudget | undefined {
    if (this.harnessStart === undefined || this.endMs === 0) return undefined;
    const windowMs = this.endMs - this.startMs;
    const processes: Record<string, ProcessCpu> = { harness: processCpu(this.harnessMs, ops, windowMs) };
    for (const [name, start] of this.startCpu) {
      const end = this.endCpu.get(name);
      if (end !== undefined) processes[name] = processCpu(end - start, ops, windowMs);
    }
    const machine =
      this.machineStart && this.machineEnd
        ? machineCpuBetween(this.machineStart, this.machineEnd)
        : undefined;
    const saturation = machine ? saturationReasons(machine, processes.harness?.cores ?? 0) : [];
    return {
      windowMs: Math.round(windowMs),
      ops,
      processes,
      ...(machine ? { machine } : {}),
      saturated: saturation.length > 0,
      saturation,
    };
  }
}

function processCpu(cpuMs: number, ops: number, windowMs: number): ProcessCpu {
  return {
    cpuMs: round(cpuMs, 1),
    cpuMsPerOp: ops > 0 ? round(cpuMs / ops, 5) : 0,
    cores: windowMs > 0 ? round(cpuMs / windowMs, 3) : 0,
  };
}

function readPids(pids: Record<string, number | undefined>, into: Map<string, number>): void {
  for (const [name, pid] of Object.entries(pids)) {
    if (pid === undefined) continue;
    const cpuMs = readText(`/proc/${pid}/stat`, parsePidStatCpuMs);
    if (cpuMs !== undefined) into.set(name, cpuMs);
  }
}

function readMachine(): MachineSample | undefined {
  const loadavg = readText('/proc/loadavg', (text) => text) ?? '';
  return readText('/proc/stat', (text) => parseProcStat(text, loadavg));
}

function readText<T>(path: string, parse: (text: string) => T | undefined): T | undefined {
  try {
    return parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
