import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { CommitEvidence } from '../../checker/types.ts';
import { messageOf } from '../../kernel/index.ts';
import type { ServiceEndpoints } from '../../services/types.ts';

/** Where MySQL's binary log stood before the load: the record of commits is read from here on. */
export type BinlogStart = { file: string; position: number } | { unavailable: string };

/** The server's own binlog reader, under either of its names. */
const BINLOG_READERS = ['mariadb-binlog', 'mysqlbinlog'] as const;
/** Longest the reader may take; the record is then reported unavailable rather than waited for. */
const READ_TIMEOUT_MS = 120_000;

/** The binlog position now, or why there is none (binary log off, no privilege). */
export async function binlogStart(pool: Pool): Promise<BinlogStart> {
  try {
    // MariaDB and MySQL before 8.4 say SHOW MASTER STATUS; MySQL 8.4 only SHOW BINARY LOG STATUS.
    const [rows] = await pool
      .query<RowDataPacket[]>('SHOW MASTER STATUS')
      .catch(() => pool.query<RowDataPacket[]>('SHOW BINARY LOG STATUS'));
    const row = rows[0];
    if (row === undefined) return { unavailable: 'the server writes no binary log (log_bin is OFF)' };
    return { file: String(row.File), position: Number(row.Position) };
  } catch (error) {
    return { unavailable: `SHOW MASTER STATUS failed: ${messageOf(error)}` };
  }
}

/** The first of the server's binlog readers on PATH, or undefined. */
function binlogReader(): string | undefined {
  return BINLOG_READERS.find((name) => spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0);
}

/**
 * MySQL's record of what it committed to `items` since `start`: the after-image (id, version)
 * of every row event, read with the server's own `mariadb-binlog --read-from-remote-server`
 * over the direct connection (row format: every committed row change, nothing coalesced).
 * Unavailable, with the reason, when the log is off, the reader is missing or refused.
 */
export async function readCommitRecord(
  endpoints: ServiceEndpoints,
  start: BinlogStart,
): Promise<CommitEvidence> {
  if ('unavailable' in start) return { source: 'unavailable', reason: start.unavailable };
  const reader = binlogReader();
  if (reader === undefined) {
    return { source: 'unavailable', reason: `no binlog reader (${BINLOG_READERS.join(' or ')}) on PATH` };
  }
  const { host, port } = endpoints.mysql.direct;
  const child = spawn(
    reader,
    [
      '--read-from-remote-server',
      `--host=${host}`,
      `--port=${port}`,
      `--user=${endpoints.mysql.user}`,
      '--base64-output=decode-rows',
      '--verbose',
      '--to-last-log',
      `--start-position=${start.position}`,
      start.file,
    ],
    // The password goes through the environment, not the process list.
    { env: { ...process.env, MYSQL_PWD: endpoints.mysql.password }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, READ_TIMEOUT_MS);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 2000) stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const parser = new RowImageParser(`\`${endpoints.mysql.database}\`.\`items\``);
  try {
    const lines = createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY });
    for await (const line of lines) parser.line(line);
    const code = await Promise.race([exited, spawnError]);
    if (code instanceof Error) return { source: 'unavailable', reason: `${reader}: ${code.message}` };
    if (timedOut) {
      return { source: 'unavailable', reason: `${reader} did not finish within ${READ_TIMEOUT_MS / 1000}s` };
    }
    if (code !== 0) {
      const why = stderr.trim().split('\n')[0] || `exit code ${String(code)}`;
      return { source: 'unavailable', reason: `${reader} failed: ${why}` };
    }
    return { source: 'binlog', key: parser.keys, version: parser.versions };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads `mariadb-binlog --verbose` pseudo-SQL: `### INSERT INTO \`db\`.\`items\`` then `### SET`
 * and `###   @1=<id>`, `###   @2=<version>`; an UPDATE has a `### WHERE` (before) image and
 * a `### SET` (after) image. Only the after-images of `items` count; deletes record nothing.
 */
export class RowImageParser {
  readonly keys: number[] = [];
  readonly versions: number[] = [];
  private inTable = false;
  private inAfterImage = false;
  private key: number | undefined;

  constructor(private readonly table: string) {}

  line(text: string): void {
    if (!text.startsWith('### ')) return;
    const body = text.slice(4);
    if (/^(INSERT INTO|UPDATE|DELETE FROM) /.test(body)) {
      this.inTable = body.endsWith(this.table) && !body.startsWith('DELETE');
      this.inAfterImage = false;
      this.key = undefined;
      return;
    }
    if (!this.inTable) return;
    if (body === 'SET') {
      this.inAfterImage = true;
      this.key = undefined;
    } else if (body === 'WHERE') this.inAfterImage = false;
    else if (this.inAfterImage) {
      const column = /^ {2}@([12])=(-?\d+)/.exec(body);
      if (column === null) return;
      if (column[1] === '1') this.key = Number(column[2]);
      else if (this.key !== undefined) {
        this.keys.push(this.key);
        this.versions.push(Number(column[2]));
        this.key = undefined;
      }
    }
  }
}
