import { createReadStream, createWriteStream } from 'node:fs';
import { endianness } from 'node:os';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import type { FaultEvent, History } from '../../checker/types.ts';
import { ConfigurationError } from '../../kernel/index.ts';

/** First 8 bytes of a saved history. */
const MAGIC = 'CPHIST\0\0';
/** Version of the file layout; bump when it changes. */
export const HISTORY_FORMAT_VERSION = 1;
const HEADER_BYTES = 32;
/** Written in native byte order: reads back as this value only on a machine of the same order. */
const BYTE_ORDER_MARK = 0x01020304;
/** Bytes per slice handed to gzip, so writing large columns respects back-pressure. */
const WRITE_SLICE_BYTES = 1 << 22;

type ColumnName =
  | 'client'
  | 'kind'
  | 'key'
  | 'invokeNs'
  | 'completeNs'
  | 'outcome'
  | 'version'
  | 'source'
  | 'error';
type ColumnArray = Uint8Array | Uint16Array | Uint32Array | Float64Array;
const COLUMNS: ReadonlyArray<{
  name: ColumnName;
  bytes: number;
  make: (b: ArrayBuffer, o: number, n: number) => ColumnArray;
}> = [
  { name: 'client', bytes: 2, make: (b, o, n) => new Uint16Array(b, o, n) },
  { name: 'kind', bytes: 1, make: (b, o, n) => new Uint8Array(b, o, n) },
  { name: 'key', bytes: 4, make: (b, o, n) => new Uint32Array(b, o, n) },
  { name: 'invokeNs', bytes: 8, make: (b, o, n) => new Float64Array(b, o, n) },
  { name: 'completeNs', bytes: 8, make: (b, o, n) => new Float64Array(b, o, n) },
  { name: 'outcome', bytes: 1, make: (b, o, n) => new Uint8Array(b, o, n) },
  { name: 'version', bytes: 8, make: (b, o, n) => new Float64Array(b, o, n) },
  { name: 'source', bytes: 1, make: (b, o, n) => new Uint8Array(b, o, n) },
  { name: 'error', bytes: 1, make: (b, o, n) => new Uint8Array(b, o, n) },
];

function padded(bytes: number): number {
  return Math.ceil(bytes / 8) * 8;
}

/**
 * Writes a history as a gzip-compressed binary file: a 32-byte header (magic, format
 * version, byte-order mark, row count, metadata size), JSON metadata (error kinds, faults),
 * then each column's raw bytes, every part padded to 8 bytes.
 */
export async function saveHistory(history: History, file: string): Promise<void> {
  const n = history.length;
  const meta = Buffer.from(JSON.stringify({ errorKinds: history.errorKinds, faults: history.faults }));
  const header = Buffer.alloc(HEADER_BYTES);
  header.write(MAGIC, 0, 'latin1');
  header.writeUInt32LE(HISTORY_FORMAT_VERSION, 8);
  new Uint32Array(header.buffer, header.byteOffset + 12, 1)[0] = BYTE_ORDER_MARK;
  header.writeDoubleLE(n, 16);
  header.writeUInt32LE(meta.length, 24);
  async function* parts(): AsyncGenerator<Buffer> {
    yield header;
    yield meta;
    yield Buffer.alloc(padded(meta.length) - meta.length);
    for (const column of COLUMNS) {
      const values = history[column.name].subarray(0, n);
      const bytes = Buffer.from(values.buffer, values.byteOffset, n * column.bytes);
      for (let at = 0; at < bytes.length; at += WRITE_SLICE_BYTES)
        yield bytes.subarray(at, at + WRITE_SLICE_BYTES);
      yield Buffer.alloc(padded(bytes.length) - bytes.length);
    }
  }
  await pipeline(parts(), createGzip({ level: 1 }), createWriteStream(file));
}

/**
 * Reads a history written by {@link saveHistory}. The columns are views on one buffer.
 * Throws a ConfigurationError when the file is missing, not a history, of another format
 * version or byte order, or truncated.
 */
export async function loadHistory(file: string): Promise<History> {
  let data: Uint8Array | undefined;
  let filled = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let refusal: ConfigurationError | undefined;
  const refuse = (message: string): never => {
    refusal = new ConfigurationError(message);
    throw refusal;
  };
  const collect = async (chunks: AsyncIterable<Buffer>): Promise<void> => {
    for await (const chunk of chunks) {
      if (data === undefined) {
        pending.push(chunk);
        pendingBytes += chunk.length;
        if (pendingBytes < HEADER_BYTES) continue;
        const head = Buffer.concat(pending);
        data = new Uint8Array(fileBytes(head, file, refuse));
        pending = [];
        if (head.length > data.length) refuse(`${file}: unexpected data after the history`);
        data.set(head, 0);
        filled = head.length;
        continue;
      }
      if (filled + chunk.length > data.length) refuse(`${file}: unexpected data after the history`);
      data.set(chunk, filled);
      filled += chunk.length;
    }
  };
  try {
    await pipeline(createReadStream(file), createGunzip(), collect);
  } catch (error) {
    // Node 20's pipeline can report the consumer's own error as a bare AbortError.
    if (refusal !== undefined) throw refusal;
    throw new ConfigurationError(`cannot read history ${file}: ${(error as Error).message}`);
  }
  if (data === undefined || filled < data.length) {
    throw new ConfigurationError(`${file}: history is truncated`);
  }
  return historyFromBytes(data);
}

/** Validates the header and returns the size of the whole decompressed file. */
function fileBytes(head: Buffer, file: string, refuse: (message: string) => never): number {
  if (head.toString('latin1', 0, 8) !== MAGIC) refuse(`${file} is not a cacheproof history`);
  const format = head.readUInt32LE(8);
  if (format !== HISTORY_FORMAT_VERSION) {
    refuse(`${file}: history format ${format}, this version reads ${HISTORY_FORMAT_VERSION}`);
  }
  const mark = new Uint32Array(head.buffer.slice(head.byteOffset + 12, head.byteOffset + 16))[0];
  if (mark !== BYTE_ORDER_MARK) {
    refuse(`${file}: written on a machine of another byte order than this (${endianness()})`);
  }
  const n = head.readDoubleLE(16);
  let bytes = HEADER_BYTES + padded(head.readUInt32LE(24));
  for (const column of COLUMNS) bytes += padded(n * column.bytes);
  return bytes;
}

function historyFromBytes(data: Uint8Array): History {
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const n = view.readDoubleLE(16);
  const metaBytes = view.readUInt32LE(24);
  const meta = JSON.parse(view.toString('utf8', HEADER_BYTES, HEADER_BYTES + metaBytes)) as {
    errorKinds: string[];
    faults: FaultEvent[];
  };
  let offset = data.byteOffset + HEADER_BYTES + padded(metaBytes);
  const columns = {} as Record<ColumnName, ColumnArray>;
  for (const column of COLUMNS) {
    columns[column.name] = column.make(data.buffer as ArrayBuffer, offset, n);
    offset += padded(n * column.bytes);
  }
  return {
    length: n,
    client: columns.client as Uint16Array,
    kind: columns.kind as Uint8Array,
    key: columns.key as Uint32Array,
    invokeNs: columns.invokeNs as Float64Array,
    completeNs: columns.completeNs as Float64Array,
    outcome: columns.outcome as Uint8Array,
    version: columns.version as Float64Array,
    source: columns.source as Uint8Array,
    error: columns.error as Uint8Array,
    errorKinds: meta.errorKinds,
    faults: meta.faults,
  };
}
