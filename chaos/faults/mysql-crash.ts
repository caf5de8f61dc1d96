import { processFaultKind } from '../process-fault.ts';

/**
 * Kills mariadbd with SIGKILL at start and starts it again at heal on the same port and data
 * directory: InnoDB's crash recovery replays its redo log, so every committed row is back;
 * transactions in flight at the kill are rolled back (their writes are `info`).
 */
export const mysqlCrashFault = processFaultKind({
  name: 'mysql-crash',
  summary: 'SIGKILLs mariadbd, restarts it at heal on the same data directory (InnoDB crash recovery)',
  target: 'mysql',
  process: 'MariaDB',
  describe: 'mariadbd killed (SIGKILL), restarted at heal on its data directory',
  start: (processes) => processes.crashMysql(),
  async heal(processes) {
    if (processes.pids().mysql === undefined) await processes.restartMysql();
  },
});
