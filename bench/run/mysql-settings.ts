import type { Pool, RowDataPacket } from 'mysql2/promise';

/**
 * The server settings that decide what a commit costs and what survives a crash: redo-log
 * flushing, binlog syncing, the doublewrite buffer, the buffer pool. A run records them so
 * that its write latency can be read against them (a local MariaDB and a production MySQL
 * differ most here).
 */
export const MYSQL_DURABILITY_SETTINGS = [
  'innodb_flush_log_at_trx_commit',
  'sync_binlog',
  'innodb_doublewrite',
  'innodb_buffer_pool_size',
  'innodb_flush_method',
  'log_bin',
  'binlog_format',
] as const;

/** The settings of {@link MYSQL_DURABILITY_SETTINGS} the server reports, by name. */
export async function readMysqlSettings(pool: Pool): Promise<Record<string, string>> {
  const [rows] = await pool.query<RowDataPacket[]>('SHOW GLOBAL VARIABLES WHERE Variable_name IN (?)', [
    MYSQL_DURABILITY_SETTINGS,
  ]);
  const settings: Record<string, string> = {};
  for (const row of rows) settings[String(row.Variable_name)] = String(row.Value);
  return settings;
}
