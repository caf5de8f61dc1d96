import { processFaultKind } from '../process-fault.ts';

/** Stops mariadbd with SIGSTOP (connections open, no answers, no commits), SIGCONT at heal. */
export const mysqlPauseFault = processFaultKind({
  name: 'mysql-pause',
  summary: 'SIGSTOPs mariadbd (connections open, no answers), SIGCONT at heal',
  target: 'mysql',
  process: 'MariaDB',
  describe: 'mariadbd paused (SIGSTOP), resumed at heal (SIGCONT)',
  start: (processes) => processes.pauseMysql(),
  async heal(processes) {
    if (processes.pids().mysql !== undefined) await processes.resumeMysql();
  },
});
