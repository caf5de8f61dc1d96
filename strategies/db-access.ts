import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { asBuffer } from './cache-codec.ts';
import type { StatsCounter } from './clients.ts';

/** Ids per statement when the final snapshot reads MySQL. */
const SNAPSHOT_CHUNK = 1000;

/**
 * The versioned write, in ONE statement so MySQL's commit order is the version order.
 * A new row gets version 1, an existing one `version + 1`; `LAST_INSERT_ID(expr)` hands the
 * new version back in the OK packet's insert id on both paths (checked on MariaDB 10.11:
 * insertId was 1 on insert and 2, 3, 4… on each update of the same id).
 */
export const VERSIONED_WRITE_SQL =
  'INSERT INTO items (id, version, payload, updated_at) VALUES (?, LAST_INSERT_ID(1), ?, NOW(6)) ' +
  'ON DUPLICATE KEY UPDATE version = LAST_INSERT_ID(version + 1), payload = VALUES(payload), ' +
  'updated_at = VALUES(updated_at)';

/** Reads one item. */
export const SELECT_ITEM_SQL = 'SELECT version, payload FROM items WHERE id = ?';

/** Reads one item's version only. */
export const SELECT_VERSION_SQL = 'SELECT version FROM items WHERE id = ?';

/**
 * The write-behind flush: one multi-row upsert whose every column only moves when the
 * incoming version is larger, so replaying an old batch never moves a row back. `version`
 * is assigned last because MySQL evaluates the assignments left to right with the new values.
 */
export function guardedBatchSql(rows: number): string {
  const values = Array.from({ length: rows }, () => '(?, ?, ?, NOW(6))').join(', ');
  return (
    `INSERT INTO items (id, version, payload, updated_at) VALUES ${values} ON DUPLICATE KEY UPDATE ` +
    'payload = IF(VALUES(version) > version, VALUES(payload), payload), ' +
    'updated_at = IF(VALUES(version) > version, VALUES(updated_at), updated_at), ' +
    'version = IF(VALUES(version) > version, VALUES(version), version)'
  );
}

/** A row of `items` as the strategies use it. */
export interface DbItem {
  version: number;
  payload: Uint8Array;
}

/** A pool plus the per-query timeout and the counter every statement bumps. */
export interface ItemStore {
  pool: Pool;
  queryTimeoutMs: number;
  counter: StatsCounter;
}

/** Writes `payload` to item `id` and returns the version MySQL assigned. */
export async function writeVersioned(store: ItemStore, id: number, payload: Uint8Array): Promise<number> {
  store.counter.dbQueries++;
  const [result] = await store.pool.execute<ResultSetHeader>(
    { sql: VERSIONED_WRITE_SQL, timeout: store.queryTimeoutMs },
    [id, asBuffer(payload)],
  );
  return result.insertId;
}

/** Reads item `id`, or undefined when MySQL has no row for it. */
export async function readItem(store: ItemStore, id: number): Promise<DbItem | undefined> {
  store.counter.dbQueries++;
  const [rows] = await store.pool.execute<RowDataPacket[]>(
    { sql: SELECT_ITEM_SQL, timeout: store.queryTimeoutMs },
    [id],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  return { version: Number(row.version), payload: row.payload as Buffer };
}

/** The version MySQL holds for item `id`; 0 when there is no row. */
export async function readItemVersion(store: ItemStore, id: number): Promise<number> {
  store.counter.dbQueries++;
  const [rows] = await store.pool.execute<RowDataPacket[]>(
    { sql: SELECT_VERSION_SQL, timeout: store.queryTimeoutMs },
    [id],
  );
  const row = rows[0];
  return row === undefined ? 0 : Number(row.version);
}

/** A queued write on its way to MySQL. */
export interface VersionedRow {
  id: number;
  version: number;
  payload: Uint8Array;
}

/** Writes `rows` in one guarded statement (see {@link guardedBatchSql}). */
export async function writeGuardedBatch(store: ItemStore, rows: readonly VersionedRow[]): Promise<void> {
  if (rows.length === 0) return;
  const values: unknown[] = [];
  for (const row of rows) values.push(row.id, row.version, asBuffer(row.payload));
  store.counter.dbQueries++;
  // query, not execute: batch sizes vary and each distinct prepared statement would stay cached.
  await store.pool.query({ sql: guardedBatchSql(rows.length), timeout: store.queryTimeoutMs }, values);
}

/**
 * MySQL's version of each id (0 = no row), for the final snapshot: `SELECT id, version …
 * WHERE id IN (…)` in chunks of 1000 ids.
 */
export async function readDbVersions(pool: Pool, ids: readonly number[]): Promise<number[]> {
  const versions: number[] = [];
  for (let start = 0; start < ids.length; start += SNAPSHOT_CHUNK) {
    const chunk = ids.slice(start, start + SNAPSHOT_CHUNK);
    const [rows] = await pool.query<RowDataPacket[]>('SELECT id, version FROM items WHERE id IN (?)', [
      chunk,
    ]);
    const byId = new Map<number, number>();
    for (const row of rows) byId.set(Number(row.id), Number(row.version));
    for (const id of chunk) versions.push(byId.get(id) ?? 0);
  }
  return versions;
}
