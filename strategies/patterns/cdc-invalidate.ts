import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BinlogInvalidator, type CdcAction } from '../binlog-invalidator.ts';
import { invalidatorContext, sumStats } from '../invalidator-links.ts';
import type { StrategySteps } from '../steps.ts';
import { describeStrategy, openSteps } from '../steps.ts';
import {
  choiceOption,
  choiceSpec,
  numberOption,
  numberSpec,
  stringOption,
  stringSpec,
} from '../strategy-options.ts';
import type { CacheStrategy, StrategyContext } from '../types.ts';
import { DEFAULT_TOMBSTONE_TTL_MS } from './versioned-set.ts';

const NAME = 'cdc-invalidate';
/** One line for `--list`. */
export const CDC_INVALIDATE_SUMMARY =
  "writes update MySQL only; an invalidator reads MySQL's binlog row events and versioned-sets (or deletes) the changed rows' entries";

/** How long `drain()` waits for the invalidator to reach MySQL's binlog end. */
export const DEFAULT_CDC_DRAIN_TIMEOUT_MS = 10_000;
const ACTIONS: readonly CdcAction[] = ['versioned-set', 'delete'];

/** One position file per MySQL server (address and data directory), in the temp folder. */
/**
 * Without `cdcPositionFile`, each strategy instance keeps its position in a file of its own,
 * removed at close: a new run starts at the end of the binlog instead of replaying every
 * write of the runs before it (each run reloads the rows anyway). Give `cdcPositionFile` to
 * resume across instances, as a restarted invalidator does.
 */
function defaultPositionFile(): string {
  return join(tmpdir(), `cacheproof-cdc-${process.pid}-${randomUUID()}.json`);
}

/** The options it reads (`--strategy-option`), checked before a run starts. */
export const CDC_INVALIDATE_OPTIONS = [
  choiceSpec('cdcAction', ACTIONS),
  ...['cdcDrainTimeoutMs', 'tombstoneTtlMs', 'cdcServerId'].map(numberSpec),
  stringSpec('cdcPositionFile'),
];

/**
 * CDC invalidation: a write updates MySQL and nothing else, so a writer that dies after its
 * commit still gets its invalidation. An invalidator task (started by `start()`, in this
 * process, with its own binlog connection, MySQL pool and Redis connection: through Toxiproxy
 * they go through the proxies `invalidator-mysql` and `invalidator-redis` where the
 * environment has them, so the invalidator faults reach the invalidator alone) reads the ROW
 * binlog (@vlasky/zongji; checked on MariaDB 10.11) and, for every committed change of
 * `items`, in commit order: `versioned-set` (default) stores the row image with the Lua
 * compare-and-set, so an older fill is refused; `delete` DELs the entry (a slow fill of the
 * old row can then still land after it — the article's race stays open).
 * Reads fill on a miss with the same compare-and-set (versioned-set) or a SET (delete).
 * Its position is saved to `cdcPositionFile` after applied transactions and resumed from on
 * the next start (a position the server no longer has: start at the binlog's end, and
 * `describe()` says so). Known gap: the lag — a read right after an acknowledged write can
 * still see the old entry until the invalidator applies the change (`readsOwnWrites` false).
 * Lag is measured per applied row (commit acknowledged → cache step, exact for this
 * process's writes; binlog timestamp, whole seconds, for others) in `stats().counters`
 * (`cdcLagLastMs`, `cdcLagMaxMs`, `cdcRowsApplied`, …). `drain()` waits (≤ `cdcDrainTimeoutMs`)
 * until the invalidator has handled everything up to MySQL's current binlog position.
 * With several worker processes give each its own `cdcPositionFile` (each runs an invalidator).
 */
export async function createCdcInvalidate(context: StrategyContext): Promise<CacheStrategy> {
  const action = choiceOption(context, 'cdcAction', ACTIONS, 'versioned-set');
  const drainTimeoutMs = numberOption(context, 'cdcDrainTimeoutMs', DEFAULT_CDC_DRAIN_TIMEOUT_MS);
  const tombstoneTtlMs = numberOption(context, 'tombstoneTtlMs', DEFAULT_TOMBSTONE_TTL_MS);
  const steps = await openSteps(context, true);
  let invalidator: BinlogInvalidator;
  let invalidatorSteps: StrategySteps;
  let opened: StrategySteps | undefined;
  let positionFile: string;
  let ownPositionFile = false;
  try {
    ownPositionFile = context.strategyOptions?.cdcPositionFile === undefined;
    positionFile = stringOption(context, 'cdcPositionFile', defaultPositionFile());
    // The invalidator's own connections, through its own proxies (see invalidator-links.ts).
    const own = invalidatorContext(context);
    invalidatorSteps = await openSteps(own, true);
    opened = invalidatorSteps;
    const mysql = own.endpoints.mysql;
    invalidator = new BinlogInvalidator(
      invalidatorSteps,
      {
        address: own.viaProxy ? mysql.proxied : mysql.direct,
        access: { user: mysql.user, password: mysql.password, database: mysql.database },
        table: 'items',
        action,
        tombstoneTtlMs,
        positionFile,
        serverId: numberOption(context, 'cdcServerId', 1000 + Math.floor(Math.random() * 1_000_000_000)),
        connectTimeoutMs: context.clients.mysqlConnectTimeoutMs,
      },
      context.now,
    );
  } catch (error) {
    await opened?.close();
    await steps.close();
    throw error;
  }
  const invalidatorRoute = context.viaProxy
    ? context.endpoints.invalidator === undefined
      ? "the application's proxies"
      : context.endpoints.invalidator.redis === undefined
        ? "proxy invalidator-mysql; Redis as the application's"
        : 'proxies invalidator-mysql, invalidator-redis'
    : 'direct';
  const fill =
    action === 'versioned-set'
      ? (key: number, version: number, payload: Uint8Array, opId: number) =>
          steps.cacheSetVersioned(key, version, payload, opId)
      : undefined;
  let started = false;
  return {
    name: NAME,
    read: (key, opId = -1) => steps.readThrough(key, opId, fill),
    async write(key, payload, opId = -1) {
      const version = await steps.between('db-write', key, opId, async () => {
        const committed = await steps.dbWrite(key, payload, opId);
        invalidator.noteCommit(key, committed);
        return committed;
      });
      return { version };
    },
    async start() {
      if (started) return;
      await invalidator.start();
      started = true;
    },
    async drain() {
      if (started) await invalidator.catchUp(drainTimeoutMs);
    },
    async settle() {
      if (started) await invalidator.settle(drainTimeoutMs);
    },
    describe: () =>
      describeStrategy(NAME, CDC_INVALIDATE_SUMMARY, context, {
        cdcAction: action,
        cdcPositionFile: positionFile,
        cdcStartedFrom: invalidator.startedFrom,
        cdcDrainTimeoutMs: drainTimeoutMs,
        tombstoneTtlMs,
        cdcLagMaxMs: invalidatorSteps.own.cdcLagMaxMs ?? null,
        cdcInvalidatorRoute: invalidatorRoute,
      }),
    invalidator,
    stats() {
      const both = sumStats(steps.stats(), invalidatorSteps.stats());
      return { ...both, counters: { ...both.counters, ...invalidator.lagCounters() } };
    },
    async close() {
      if (started) await invalidator.stop().catch(() => undefined);
      await invalidatorSteps.close();
      await steps.close();
      if (ownPositionFile) await rm(positionFile, { force: true });
    },
  };
}
