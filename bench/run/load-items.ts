import type { DirectConnections } from './direct.ts';

/** Bytes of payload per INSERT statement, well under MariaDB's default 16 MB max_allowed_packet. */
const INSERT_BYTES = 1 << 20;

/** The payload every loaded row and every write carries: `valueSize` bytes derived from the seed. */
export function makePayload(valueSize: number, seed: number): Buffer {
  const payload = Buffer.allocUnsafe(valueSize);
  for (let i = 0; i < valueSize; i++) payload[i] = (i * 31 + seed) & 0xff;
  return payload;
}

/**
 * Empties `items` and the cache, then inserts rows 1..keys at version 1 with `payload`,
 * through the direct connections. Every run starts from this state.
 */
export async function loadItems(direct: DirectConnections, keys: number, payload: Buffer): Promise<void> {
  await direct.pool.query('TRUNCATE TABLE items');
  await direct.redis.flushdb();
  const rowsPerStatement = Math.max(1, Math.floor(INSERT_BYTES / (payload.byteLength + 32)));
  for (let first = 1; first <= keys; first += rowsPerStatement) {
    const last = Math.min(keys, first + rowsPerStatement - 1);
    const rows: [number, number, Buffer][] = [];
    for (let id = first; id <= last; id++) rows.push([id, 1, payload]);
    await direct.pool.query('INSERT INTO items (id, version, payload) VALUES ?', [rows]);
  }
}
