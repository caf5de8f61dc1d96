import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  machineCpuBetween,
  parsePidStatCpuMs,
  parseProcStat,
  saturationReasons,
} from '../../../bench/run/cpu-budget.ts';

/** /proc/stat of a 2-core machine: user nice system idle iowait irq softirq steal guest guest_nice. */
function procStat(user: number, system: number, idle: number, iowait: number, steal: number): string {
  return [
    `cpu  ${user} 0 ${system} ${idle} ${iowait} 0 0 ${steal} 0 0`,
    'cpu0 1 0 1 1 0 0 0 0 0 0',
    'cpu1 1 0 1 1 0 0 0 0 0 0',
    'intr 12345',
    'ctxt 6789',
    '',
  ].join('\n');
}

describe('CPU budget from /proc', () => {
  it('reads utime + stime of a /proc/<pid>/stat line, also when the command name holds spaces and parentheses', () => {
    const line =
      '4242 (mariadbd (x) y) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 75 0 0 20 0 30 0 100 1000000 5000 18446744073709551615';
    assert.equal(parsePidStatCpuMs(line), (250 + 75) * 10);
  });

  it('turns two /proc/stat samples into shares of the window and the load average', () => {
    const start = parseProcStat(procStat(1000, 500, 8000, 100, 0), '0.50 0.40 0.30 1/200 999');
    const end = parseProcStat(procStat(1600, 800, 8500, 100, 0), '1.90 0.80 0.40 3/200 1000');
    assert.ok(start && end);
    assert.equal(end.cores, 2);
    const machine = machineCpuBetween(start, end);
    // 1400 ticks in the window: 900 user+system, 500 idle.
    assert.equal(machine.idleShare, 0.3571);
    assert.equal(machine.busyShare, 0.6429);
    assert.equal(machine.stealShare, 0);
    assert.deepEqual(machine.loadAverage, [1.9, 0.8, 0.4]);
    assert.deepEqual(saturationReasons(machine, 0.5), []);
  });

  it('flags a window with no idle time, one with stolen time, a long run queue and a harness at a full core', () => {
    const start = parseProcStat(procStat(1000, 500, 8000, 100, 0), '0.5 0.4 0.3 1/200 1');
    const busy = parseProcStat(procStat(2300, 1100, 8050, 110, 0), '5.10 2.0 1.0 9/200 2');
    const stolen = parseProcStat(procStat(1500, 700, 8800, 100, 100), '1.0 1.0 1.0 1/200 2');
    assert.ok(start && busy && stolen);
    const saturated = machineCpuBetween(start, busy);
    assert.equal(saturated.idleShare + saturated.iowaitShare < 0.1, true);
    const reasons = saturationReasons(saturated, 0.95);
    assert.equal(reasons.length, 3, reasons.join(' | '));
    assert.match(reasons[0] ?? '', /machine 96\.9% busy \(3\.1% idle\)/);
    assert.match(reasons[1] ?? '', /load average 5\.10 on 2 cores/);
    assert.match(reasons[2] ?? '', /harness used 0\.95 of a core/);
    const steal = saturationReasons(machineCpuBetween(start, stolen), 0.2);
    // 1600 ticks in the window, 100 of them stolen.
    assert.equal(steal.length, 1);
    assert.match(steal[0] ?? '', /^hypervisor stole 6\.[23]% of CPU time$/);
  });
});
