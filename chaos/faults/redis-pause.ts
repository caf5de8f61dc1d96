import { processFaultKind } from '../process-fault.ts';

/** Stops redis-server with SIGSTOP (a long GC-like pause: connections stay open, nothing answers), SIGCONT at heal. */
export const redisPauseFault = processFaultKind({
  name: 'redis-pause',
  summary: 'SIGSTOPs redis-server (connections open, no answers), SIGCONT at heal',
  target: 'redis',
  process: 'Redis',
  describe: 'redis-server paused (SIGSTOP), resumed at heal (SIGCONT)',
  start: (processes) => processes.pauseRedis(),
  async heal(processes) {
    if (processes.pids().redis !== undefined) await processes.resumeRedis();
  },
});
