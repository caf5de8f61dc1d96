import { describeStrategy, openSteps } from '../steps.ts';
import { numberOption, numberSpec } from '../strategy-options.ts';
import type { CacheStrategy, StrategyContext } from '../types.ts';

const NAME = 'versioned-set';
/** One line for `--list`. */
export const VERSIONED_SET_SUMMARY =
  'update MySQL, then a versioned delete leaving a tombstone; fills are a Lua compare-and-set on the version';

/** How long a tombstone outlives its delete: it must outlast the slowest fill it is meant to refuse. */
export const DEFAULT_TOMBSTONE_TTL_MS = 10_000;

/** The options it reads (`--strategy-option`), checked before a run starts. */
export const VERSIONED_SET_OPTIONS = [numberSpec('tombstoneTtlMs')];

/**
 * Versioned set: a write updates MySQL (which assigns version v), then in one Lua script
 * deletes `item:{id}` and leaves the tombstone `item:{id}:tomb = v`. A read that missed
 * fills with a compare-and-set that stores version u only if u ≥ the tombstone and u > the
 * cached version, so the article's slow fill of an older row is refused, and two fills
 * can never move the entry back.
 * What it cannot fix: a tombstone is kept for `tombstoneTtlMs` only (or lost with Redis), so a
 * fill slower than that resurrects an old version; and a write whose process dies between
 * the MySQL commit and the delete leaves the old entry in place — no version check runs.
 * Option `tombstoneTtlMs` (default 10000). Counter: `versionedSetsRefused`.
 */
export async function createVersionedSet(context: StrategyContext): Promise<CacheStrategy> {
  const tombstoneTtlMs = numberOption(context, 'tombstoneTtlMs', DEFAULT_TOMBSTONE_TTL_MS);
  const steps = await openSteps(context, true);
  const fill = (key: number, version: number, payload: Uint8Array, opId: number) =>
    steps.cacheSetVersioned(key, version, payload, opId);
  return {
    name: NAME,
    read: (key, opId = -1) => steps.readThrough(key, opId, fill),
    async write(key, payload, opId = -1) {
      const version = await steps.between('db-write', key, opId, () => steps.dbWrite(key, payload, opId));
      await steps.between('cache-delete', key, opId, () =>
        steps.cacheDeleteVersioned(key, version, tombstoneTtlMs, opId),
      );
      return { version };
    },
    describe: () => describeStrategy(NAME, VERSIONED_SET_SUMMARY, context, { tombstoneTtlMs }),
    stats: () => steps.stats(),
    close: () => steps.close(),
  };
}
