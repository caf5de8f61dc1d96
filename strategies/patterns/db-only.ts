import { describeStrategy, openSteps, servedFromDb } from '../steps.ts';
import type { CacheStrategy, StrategyContext } from '../types.ts';

const NAME = 'db-only';
/** One line for `--list`. */
export const DB_ONLY_SUMMARY = 'no cache: every read and write goes to MySQL (the control, never an anomaly)';

/**
 * The baseline: no cache at all. Reads SELECT, writes run the versioned upsert; every read
 * is served by MySQL, so a correct checker must report zero anomalies for it.
 * Connections: no Redis, up to `mysqlPoolSize` MySQL connections.
 */
export async function createDbOnly(context: StrategyContext): Promise<CacheStrategy> {
  const steps = await openSteps(context, false);
  return {
    name: NAME,
    async read(key, opId = -1) {
      const item = await steps.dbRead(key, opId);
      const p = steps.pause('after-db-read', key, opId);
      if (p) await p;
      return servedFromDb(item);
    },
    async write(key, payload, opId = -1) {
      const version = await steps.between('db-write', key, opId, () => steps.dbWrite(key, payload, opId));
      return { version };
    },
    describe: () => describeStrategy(NAME, DB_ONLY_SUMMARY, context),
    stats: () => steps.counter.snapshot(),
    close: () => steps.close(),
  };
}
