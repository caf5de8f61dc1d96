/** The benchmark table (README "Data model"). Payloads larger than this are refused by the CLI. */
export const MAX_PAYLOAD_BYTES = 16384;

export const ITEMS_TABLE_DDL = `CREATE TABLE IF NOT EXISTS items (
  id BIGINT NOT NULL PRIMARY KEY,
  version BIGINT NOT NULL,
  payload VARBINARY(${MAX_PAYLOAD_BYTES}) NOT NULL,
  updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB`;

/** The columns of the harness's own `items` table, in order, with their MySQL data types. */
export const ITEMS_COLUMNS: readonly { name: string; type: string }[] = [
  { name: 'id', type: 'bigint' },
  { name: 'version', type: 'bigint' },
  { name: 'payload', type: 'varbinary' },
  { name: 'updated_at', type: 'timestamp' },
];

/** The words of a database name that say it is for benchmarks (README "Environments"). */
export const BENCHMARK_DB_WORDS: readonly string[] = [
  'bench',
  'benchmark',
  'benchmarks',
  'cacheproof',
  'test',
  'tests',
];

/**
 * The words of a database name, lower-cased: split on `_`, `-` and `.`, and where lower case
 * turns to upper case or letters meet digits (`cacheproof_bench` → cacheproof, bench;
 * `myBench2` → my, bench, 2).
 */
export function databaseNameWords(name: string): string[] {
  return name
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([A-Za-z])(\d)|(\d)([A-Za-z])/g, (_m, a, b, c, d) =>
      a === undefined ? `${c} ${d}` : `${a} ${b}`,
    )
    .split(/[\s_.-]+/)
    .filter((word) => word !== '')
    .map((word) => word.toLowerCase());
}

/**
 * Whether `external` may use a database without --allow-existing-db: one of its whole words
 * is a {@link BENCHMARK_DB_WORDS} word. `prod_latest` and `contest_results` are not.
 */
export function isBenchmarkDatabaseName(name: string): boolean {
  return databaseNameWords(name).some((word) => BENCHMARK_DB_WORDS.includes(word));
}

/**
 * Redis keys the harness writes: the cache entries `item:{id}` (the braces are literal: a
 * cluster hash tag), and write-behind's queue `wb:queue` (a cluster: `wb:queue:{n}` per slot)
 * and counters `wb:version:{id}` (strategies/cache-codec.ts, strategies/write-behind.ts; the
 * names without braces, which earlier versions wrote, count as the harness's too;
 * a test keeps them in step). Runs FLUSHDB, so a database holding any other key is refused.
 */
export const HARNESS_REDIS_KEY =
  /^(?:item:(?:\d+|\{\d+\})|wb:queue(?::\{\d+\})?|wb:version:(?:\d+|\{\d+\}))$/;
