/** The benchmark table (README "Data model"). Payloads larger than this are refused by the CLI. */
export const MAX_PAYLOAD_BYTES = 16384;

export const ITEMS_TABLE_DDL = `CREATE TABLE IF NOT EXISTS items (
  id BIGINT NOT NULL PRIMARY KEY,
  version BIGINT NOT NULL,
  payload VARBINARY(${MAX_PAYLOAD_BYTES}) NOT NULL,
  updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB`;

/** Database names `external` accepts without --allow-existing-db: they must say they are for benchmarks. */
export const BENCHMARK_DB_NAME = /(bench|cacheproof|test)/i;
