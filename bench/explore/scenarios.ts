import { ConfigurationError } from '../../kernel/index.ts';
import type { Scenario } from './types.ts';

/**
 * The built-in scenarios: a few operations on one key that starts at version 1 in MySQL
 * (and in the cache when `warm`). Each is small enough to explore exhaustively.
 */
export const BUILT_IN_SCENARIOS: readonly Scenario[] = Object.freeze([
  {
    name: 'write-read',
    summary: 'one write and one read, cold cache',
    operations: ['write', 'read'],
    cache: 'cold',
  },
  {
    name: 'write-read-warm',
    summary: 'one write and one read, the entry cached',
    operations: ['write', 'read'],
    cache: 'warm',
  },
  {
    name: 'write-read-flush',
    summary:
      'one write, one read and a flush (write-behind: the flusher; cdc-invalidate: the invalidator catches up; a no-op elsewhere), cold cache',
    operations: ['write', 'read', 'flush'],
    cache: 'cold',
  },
  {
    name: 'write-write',
    summary: 'two writes, the entry cached',
    operations: ['write', 'write'],
    cache: 'warm',
  },
  {
    name: 'write-read-read',
    summary: 'one write and two reads, cold cache',
    operations: ['write', 'read', 'read'],
    cache: 'cold',
  },
  {
    name: 'write-read-writer-crash',
    summary: 'one write and one read, cold cache; the writer crashes at some step boundary',
    operations: ['write', 'read'],
    fault: 'writer-crash',
    cache: 'cold',
  },
  {
    name: 'write-read-redis-restart',
    summary:
      'one write and one read, the entry cached; Redis crashes and restarts empty at some step boundary',
    operations: ['write', 'read'],
    fault: 'redis-restart',
    cache: 'warm',
  },
  {
    name: 'write-write-flush-redis-restart',
    summary:
      'two writes and a flush (write-behind; a no-op elsewhere), the entry cached; Redis restarts at some boundary',
    operations: ['write', 'write', 'flush'],
    fault: 'redis-restart',
    cache: 'warm',
  },
]);

/** The scenario called `name`, or a one-line ConfigurationError listing the known ones. */
export function findScenario(name: string): Scenario {
  const scenario = BUILT_IN_SCENARIOS.find((s) => s.name === name);
  if (scenario === undefined) {
    throw new ConfigurationError(
      `--scenario: unknown scenario '${name}'; known: ${BUILT_IN_SCENARIOS.map((s) => s.name).join(', ')}`,
    );
  }
  return scenario;
}
