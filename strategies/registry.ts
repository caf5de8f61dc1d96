import { CACHE_ASIDE_SUMMARY, createCacheAside } from './cache-aside.ts';
import { createDbOnly, DB_ONLY_SUMMARY } from './db-only.ts';
import { createDeleteThenUpdate, DELETE_THEN_UPDATE_SUMMARY } from './delete-then-update.ts';
import type { StrategyEntry } from './types.ts';
import { createWriteBehind, WRITE_BEHIND_SUMMARY } from './write-behind.ts';
import { createWriteThrough, WRITE_THROUGH_SUMMARY } from './write-through.ts';

/** Every strategy the CLI knows, by the name it is spelled with. Adding one: a file and a line here. */
export const strategyEntries: readonly StrategyEntry[] = Object.freeze([
  { name: 'delete-then-update', summary: DELETE_THEN_UPDATE_SUMMARY, factory: createDeleteThenUpdate },
  { name: 'cache-aside', summary: CACHE_ASIDE_SUMMARY, factory: createCacheAside },
  { name: 'write-through', summary: WRITE_THROUGH_SUMMARY, factory: createWriteThrough },
  { name: 'write-behind', summary: WRITE_BEHIND_SUMMARY, factory: createWriteBehind },
  { name: 'db-only', summary: DB_ONLY_SUMMARY, factory: createDbOnly },
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
