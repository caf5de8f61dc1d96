import { processFaultKind } from '../process-fault.ts';

/**
 * Kills redis-server with SIGKILL at start and starts it again on the same port at heal. Without
 * AOF (the default) the restarted server is empty: whatever only Redis held is gone.
 */
export const redisCrashFault = processFaultKind({
  name: 'redis-crash',
  summary: 'SIGKILLs redis-server, restarts it at heal on the same port (empty unless --redis-aof)',
  target: 'redis',
  process: 'Redis',
  describe: 'redis-server killed (SIGKILL), restarted at heal',
  start: (processes) => processes.crashRedis(),
  async heal(processes) {
    if (processes.pids().redis === undefined) await processes.restartRedis();
  },
});
