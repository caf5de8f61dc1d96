import { readCacheVersions } from './cache-codec.ts';
import { CACHE_ASIDE_OPTIONS, CACHE_ASIDE_SUMMARY, createCacheAside } from './patterns/cache-aside.ts';
import {
  CDC_INVALIDATE_OPTIONS,
  CDC_INVALIDATE_SUMMARY,
  createCdcInvalidate,
} from './patterns/cdc-invalidate.ts';
import { createDbOnly, DB_ONLY_SUMMARY } from './patterns/db-only.ts';
import {
  createDelayedDoubleDelete,
  DELAYED_DOUBLE_DELETE_OPTIONS,
  DELAYED_DOUBLE_DELETE_SUMMARY,
} from './patterns/delayed-double-delete.ts';
import { createDeleteThenUpdate, DELETE_THEN_UPDATE_SUMMARY } from './patterns/delete-then-update.ts';
import { createLease, LEASE_OPTIONS, LEASE_SUMMARY } from './patterns/lease.ts';
import {
  createTagAsDeleted,
  TAG_AS_DELETED_OPTIONS,
  TAG_AS_DELETED_SUMMARY,
  tagAsDeletedCacheView,
} from './patterns/tag-as-deleted.ts';
import {
  createVersionedSet,
  VERSIONED_SET_OPTIONS,
  VERSIONED_SET_SUMMARY,
} from './patterns/versioned-set.ts';
import { createWriteBehind, WRITE_BEHIND_SUMMARY } from './patterns/write-behind.ts';
import {
  createWriteThrough,
  WRITE_THROUGH_OPTIONS,
  WRITE_THROUGH_SUMMARY,
} from './patterns/write-through.ts';
import type { CacheView, StrategyEntry, StrategyFactory } from './types.ts';

/** A caching pattern: uses the cache, is measured against the control. */
function pattern(
  name: string,
  summary: string,
  factory: StrategyFactory,
  more: Partial<Omit<StrategyEntry, 'name' | 'summary' | 'factory'>> = {},
): StrategyEntry {
  return { name, summary, usesCache: true, isControl: false, factory, ...more };
}

/** Every strategy the CLI knows, by the name it is spelled with. Adding one: a file and a line here. */
export const strategyEntries: readonly StrategyEntry[] = Object.freeze([
  pattern('delete-then-update', DELETE_THEN_UPDATE_SUMMARY, createDeleteThenUpdate),
  pattern('cache-aside', CACHE_ASIDE_SUMMARY, createCacheAside, { options: CACHE_ASIDE_OPTIONS }),
  pattern('write-through', WRITE_THROUGH_SUMMARY, createWriteThrough, { options: WRITE_THROUGH_OPTIONS }),
  pattern('write-behind', WRITE_BEHIND_SUMMARY, createWriteBehind),
  pattern('delayed-double-delete', DELAYED_DOUBLE_DELETE_SUMMARY, createDelayedDoubleDelete, {
    options: DELAYED_DOUBLE_DELETE_OPTIONS,
    deferredSteps: () => ({ write: 'second delete' }),
  }),
  pattern('versioned-set', VERSIONED_SET_SUMMARY, createVersionedSet, { options: VERSIONED_SET_OPTIONS }),
  pattern('lease', LEASE_SUMMARY, createLease, { options: LEASE_OPTIONS }),
  pattern('tag-as-deleted', TAG_AS_DELETED_SUMMARY, createTagAsDeleted, {
    options: TAG_AS_DELETED_OPTIONS,
    cacheView: tagAsDeletedCacheView,
    deferredSteps: (options) => (options.consistency === 'weak' ? { read: 'background refill' } : {}),
  }),
  // The invalidator applies a write after its commit: a read right after it may see the old entry.
  pattern('cdc-invalidate', CDC_INVALIDATE_SUMMARY, createCdcInvalidate, {
    options: CDC_INVALIDATE_OPTIONS,
    readsOwnWrites: false,
    hasInvalidator: true,
  }),
  { name: 'db-only', summary: DB_ONLY_SUMMARY, usesCache: false, isControl: true, factory: createDbOnly },
]);

/** The CLI names, in registry order. */
export const strategyNames: readonly string[] = Object.freeze(strategyEntries.map((entry) => entry.name));

/** The entry called `name`, or undefined. */
export function findStrategy(name: string): StrategyEntry | undefined {
  return strategyEntries.find((entry) => entry.name === name);
}

/** The one-line error for an unknown name; the CLI prints it and exits 2. */
export function unknownStrategyMessage(name: string): string {
  return `unknown strategy '${name}'; known strategies: ${strategyNames.join(', ')}`;
}

/** The control strategy (db-only): every report's verdict is relative to it. */
export function controlStrategy(): StrategyEntry {
  const control = strategyEntries.find((entry) => entry.isControl);
  if (control === undefined) throw new Error('no control strategy is registered');
  return control;
}

/** How the snapshot reads `entry`'s cache under `options` (the entries' own versions unless the pattern says otherwise). */
export function cacheViewOf(
  entry: StrategyEntry | undefined,
  options: Readonly<Record<string, string | number | boolean>> = {},
): CacheView {
  return entry?.cacheView?.(options) ?? readCacheVersions;
}
