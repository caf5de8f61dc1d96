import { processFaultKind } from '../process-fault.ts';

/** The redis-server that took this fault's snapshot; the heal kills it once (faults on a process never overlap). */
let snapshotted: number | undefined;

/**
 * A restart from Redis's own files. At start, an RDB snapshot (`SAVE`), as a periodic save
 * would take one; Redis keeps serving. At heal, SIGKILL and an immediate restart on the same
 * data directory: from its AOF with `--redis-aof` (at most the last second lost with
 * `everysec`, nothing with `always`), else from that snapshot — whatever changed since is
 * lost, and an entry deleted since (an invalidation) comes back stale.
 */
export const redisRestartFault = processFaultKind({
  name: 'redis-restart',
  summary:
    'SAVEs an RDB at start; at heal SIGKILLs redis-server and restarts it from its AOF (--redis-aof) or that RDB',
  target: 'redis',
  process: 'Redis',
  describe: 'redis-server snapshotted (SAVE), then killed (SIGKILL) and restarted from its files at heal',
  async start(processes) {
    await processes.snapshotRedis();
    snapshotted = processes.pids().redis;
  },
  async heal(processes) {
    const running = processes.pids().redis;
    if (running !== undefined && running === snapshotted) {
      snapshotted = undefined;
      await processes.crashRedis();
    }
    if (processes.pids().redis === undefined) await processes.restartRedis();
  },
});
