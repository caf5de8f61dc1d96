import type { Pool, RowDataPacket } from 'mysql2/promise';
import { waitUntil } from './processes.ts';
import type { HostPort, MysqlAccess, ReplicaControl, ReplicaStatus } from './types.ts';

/** How often the replica's I/O thread retries a lost connection to the primary, in seconds. */
const CONNECT_RETRY_S = 1;

/**
 * Makes the server behind `replica` replicate from the primary behind `primary`, through
 * `link` (a Toxiproxy proxy in front of the primary), from the primary's current GTID
 * position: both servers start from the same data directory, so what the primary logged
 * before now (its start-up SQL) is already on the replica. `MASTER_USE_GTID=slave_pos`:
 * a reconnect (after a primary crash, a cut link) resumes where the replica stands.
 * Resolves once both replication threads run; throws after `timeoutMs`.
 */
export async function startReplicating(
  primary: Pool,
  replica: Pool,
  link: HostPort,
  access: Pick<MysqlAccess, 'user' | 'password'>,
  timeoutMs: number,
): Promise<void> {
  const [rows] = await primary.query<RowDataPacket[]>('SELECT @@GLOBAL.gtid_binlog_pos AS pos');
  const position = String(rows[0]?.pos ?? '');
  await replica.query('STOP SLAVE');
  await replica.query('SET GLOBAL gtid_slave_pos = ?', [position]);
  // mysql2 fills the placeholders on the client side, so CHANGE MASTER takes them too.
  await replica.query(
    `CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = ?, MASTER_USER = ?, MASTER_PASSWORD = ?, MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = ${CONNECT_RETRY_S}`,
    [link.host, link.port, access.user, access.password],
  );
  await replica.query('START SLAVE');
  let last: ReplicaStatus | undefined;
  try {
    await waitUntil(
      'replication from the primary',
      async () => {
        last = await replicaStatus(replica);
        return last.ioRunning === 'Yes' && last.sqlRunning;
      },
      timeoutMs,
    );
  } catch (error) {
    const why =
      last === undefined
        ? ''
        : ` (I/O ${last.ioRunning}, SQL ${last.sqlRunning ? 'Yes' : 'No'}${last.lastError === '' ? '' : `: ${last.lastError}`})`;
    throw new Error(`${(error as Error).message}${why}`);
  }
}

/** The replica's own view of its replication (`SHOW SLAVE STATUS`). */
export async function replicaStatus(replica: Pool): Promise<ReplicaStatus> {
  const [rows] = await replica.query<RowDataPacket[]>('SHOW SLAVE STATUS');
  const row = rows[0];
  if (row === undefined) {
    return { ioRunning: 'No', sqlRunning: false, secondsBehindMaster: null, lastError: 'not a replica' };
  }
  const behind = row.Seconds_Behind_Master;
  const lastError = [row.Last_IO_Error, row.Last_SQL_Error]
    .map((text) => String(text ?? ''))
    .filter((text) => text !== '')
    .join('; ');
  return {
    ioRunning: String(row.Slave_IO_Running),
    sqlRunning: String(row.Slave_SQL_Running) === 'Yes',
    secondsBehindMaster: behind === null || behind === undefined ? null : Number(behind),
    lastError,
  };
}

/**
 * A query that survives one dead pooled connection: after a primary crash and restart the
 * pool's first use of an old connection fails, and the pool then replaces it.
 */
async function once<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch {
    return run();
  }
}

/** {@link ReplicaControl} over a pool to the primary and one to the replica (both direct). */
export function replicaControl(primary: Pool, replica: Pool): ReplicaControl {
  return {
    status: () => once(() => replicaStatus(replica)),
    async stopApplier() {
      await once(() => replica.query('STOP SLAVE SQL_THREAD'));
    },
    async startReplication() {
      // START SLAVE starts whichever thread is stopped; with both running it only warns.
      await once(() => replica.query('START SLAVE'));
    },
    async waitForCatchUp(timeoutMs) {
      const [rows] = await once(() =>
        primary.query<RowDataPacket[]>('SELECT @@GLOBAL.gtid_binlog_pos AS pos'),
      );
      const position = String(rows[0]?.pos ?? '');
      const [waited] = await once(() =>
        replica.query<RowDataPacket[]>({
          sql: 'SELECT MASTER_GTID_WAIT(?, ?) AS caughtUp',
          values: [position, timeoutMs / 1000],
          timeout: timeoutMs + 5000,
        }),
      );
      return Number(waited[0]?.caughtUp) === 0;
    },
  };
}
