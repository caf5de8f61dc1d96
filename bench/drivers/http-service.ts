import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import {
  OP_READ,
  OP_WRITE,
  OUTCOME_FAIL,
  OUTCOME_INFO,
  OUTCOME_OK,
  SOURCE_CACHE,
  SOURCE_DB,
  SOURCE_NONE,
  VERSION_ABSENT,
} from '../../checker/types.ts';
import { messageOf } from '../../kernel/index.ts';
import { MAX_PAYLOAD_BYTES } from '../../services/schema.ts';
import type { CacheStrategy } from '../../strategies/types.ts';
import { errorKindOf } from '../history/error-kind.ts';
import type { OperationRecorder } from '../history/operation-recorder.ts';
import { settleWithin } from './phases.ts';

/** Header carrying the load generator's client id (0..65535), recorded in the history. */
export const CLIENT_HEADER = 'x-cacheproof-client';
/** Largest key the history's key column (Uint32) can hold. */
export const MAX_HTTP_KEY = 0xffff_ffff;
/** How long `close()` waits for requests in flight before it drops their connections. */
export const CLOSE_GRACE_MS = 5000;
const LOOPBACK = '127.0.0.1';
const ITEM_ROUTE = /^\/items\/([^/?#]+)$/;
/** Client ids are a Uint16 column; connection-derived ids wrap around within it. */
const CLIENT_ID_LIMIT = 0x1_0000;

/** Options of {@link startHttpService}. */
export interface HttpServiceOptions {
  /** Largest id `/items/:id` accepts (default {@link MAX_HTTP_KEY}); larger ids are 400. */
  maxKey?: number;
  /** Record from the first request (default true); false serves warm-up traffic unrecorded. */
  measuring?: boolean;
}

/** A running service: one strategy behind `GET` and `PUT /items/:id` on 127.0.0.1. */
export interface HttpService {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** The recorder's flag: requests arriving while set are recorded; while clear (warm-up) only served. */
  measuring: boolean;
  /** The recorder's flag: cleared when the history is closed; later completions are not recorded. */
  recording: boolean;
  /** Item requests whose response is not yet written (warm-up ones included). */
  readonly inFlight: number;
  /** Measured operations received. */
  readonly issued: number;
  /** Stale reads seen so far by the runner's online check (for the progress line). */
  readonly staleSoFar: number;
  /** Resolves true once nothing is in flight, or false after `timeoutMs`. */
  waitIdle(timeoutMs: number): Promise<boolean>;
  /**
   * Stops accepting connections, lets requests in flight finish (at most
   * {@link CLOSE_GRACE_MS}), closes keep-alive sockets. Idempotent.
   */
  close(): Promise<void>;
}

/** Why a request is refused before it reaches the strategy. */
class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Parses the `:id` of `/items/:id`: a positive decimal integer up to `maxKey`. */
export function parseItemId(text: string, maxKey: number): number {
  if (!/^\d{1,16}$/.test(text)) {
    throw new RequestError(400, `id must be a positive integer, got '${decodeSafely(text)}'`);
  }
  const id = Number(text);
  if (id < 1 || id > maxKey) throw new RequestError(400, `id must be from 1 to ${maxKey}, got ${text}`);
  return id;
}

function decodeSafely(text: string): string {
  try {
    return decodeURIComponent(text).slice(0, 40);
  } catch {
    return text.slice(0, 40);
  }
}

/** Reads a request body of at most `limit` bytes. */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limit) {
    return Promise.reject(new RequestError(413, `payload larger than ${limit} bytes`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    request.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > limit) {
        reject(new RequestError(413, `payload larger than ${limit} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.once('end', () =>
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, length)),
    );
    request.once('error', reject);
    request.once('close', () => {
      if (!request.complete) reject(new RequestError(400, 'request aborted before its body arrived'));
    });
  });
}

/** Writes a JSON response; while closing, asks the client to drop the keep-alive connection. */
function sendJson(response: ServerResponse, status: number, body: unknown, closing: boolean): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...(closing ? { connection: 'close' } : {}),
  });
  response.end(text);
}

/** Calls `done` once, when the response is written or its connection is gone, whichever is first. */
function onResponseDone(response: ServerResponse, done: () => void): void {
  let called = false;
  const once = (): void => {
    if (called) return;
    called = true;
    done();
  };
  response.once('finish', once);
  response.once('close', once);
}

/**
 * Starts a node:http service exposing `strategy` on 127.0.0.1 and a free port:
 *
 * - `GET /items/:id` → 200 `{id, version, found, source, payload}` (payload base64; an
 *   absent key is 200 with `found: false, version: 0`);
 * - `PUT /items/:id` with the payload as body → 200 `{id, version}`;
 * - a bad id → 400, a body over the table's limit → 413, an unknown route → 404, another
 *   method → 405 (all JSON `{error}`); a strategy error → 503 `{error: kind, message}`.
 *
 * Each item request goes through `operations`, the recorder the in-process runner uses
 * (history row, server-side metrics, live stale count): invoked when the request arrives,
 * completed when its response is written (or, if the client hung up, when the strategy
 * answered), `info` with the error kind when the strategy throws, `fail` when the body was
 * refused before the strategy saw it. Latency counts from the request's arrival. The client
 * id comes from the {@link CLIENT_HEADER} header, else from the connection.
 */
export async function startHttpService(
  strategy: CacheStrategy,
  operations: OperationRecorder,
  options: HttpServiceOptions = {},
): Promise<HttpService> {
  const maxKey = options.maxKey ?? MAX_HTTP_KEY;
  operations.measuring = options.measuring ?? true;
  let inFlight = 0;
  const connectionIds = new WeakMap<Socket, number>();
  let nextConnectionId = 0;
  let closing: Promise<void> | undefined;
  let idleWaiters: Array<() => void> = [];

  const send = (response: ServerResponse, status: number, body: unknown): void =>
    sendJson(response, status, body, closing !== undefined);

  const clientOf = (request: IncomingMessage): number => {
    const header = request.headers[CLIENT_HEADER];
    if (typeof header === 'string' && /^\d{1,5}$/.test(header) && Number(header) < CLIENT_ID_LIMIT) {
      return Number(header);
    }
    return connectionIds.get(request.socket) ?? 0;
  };

  const settle = (): void => {
    inFlight--;
    if (inFlight === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const wake of waiters) wake();
    }
  };

  /** Serves one item operation, recorded as the in-process runner records one. */
  const serveItem = async (request: IncomingMessage, response: ServerResponse, kind: number, key: number) => {
    const invokeNs = operations.now();
    const op = operations.invoke(clientOf(request), kind, key, invokeNs);
    const latestAtInvoke = operations.latestOkVersion(key);
    inFlight++;
    let outcome = OUTCOME_INFO;
    let version = -1;
    let source = SOURCE_NONE;
    let errorKind: string | undefined;
    // Completed when both the strategy has answered and the response is written (or its
    // connection is gone): a client that hangs up early must not close a write still running.
    let parts = 2;
    const partDone = (): void => {
      if (--parts > 0) return;
      operations.complete(op, kind, key, invokeNs, latestAtInvoke, outcome, version, source, errorKind);
      settle();
    };
    onResponseDone(response, partDone);
    try {
      if (kind === OP_READ) {
        const result = await strategy.read(key, op);
        outcome = OUTCOME_OK;
        source = result.source === 'cache' ? SOURCE_CACHE : SOURCE_DB;
        version = result.found ? result.version : VERSION_ABSENT;
        send(response, 200, {
          id: key,
          version,
          found: result.found,
          source: result.source,
          ...(result.found ? { payload: Buffer.from(result.payload).toString('base64') } : {}),
        });
      } else {
        const payload = await readBody(request, MAX_PAYLOAD_BYTES);
        const result = await strategy.write(key, payload, op);
        outcome = OUTCOME_OK;
        version = result.version;
        send(response, 200, { id: key, version });
      }
    } catch (error) {
      if (error instanceof RequestError) {
        // Refused before the strategy saw it (an oversized or aborted body): it did not happen.
        outcome = OUTCOME_FAIL;
        errorKind = `http-${error.status}`;
        if (!response.headersSent) send(response, error.status, { error: error.message });
        return;
      }
      errorKind = errorKindOf(error);
      if (!response.headersSent) {
        send(response, 503, {
          error: errorKind,
          message: messageOf(error),
        });
      }
    } finally {
      partDone();
    }
  };

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
    const match = ITEM_ROUTE.exec(path);
    if (match === null) {
      send(response, 404, { error: `no route ${request.method ?? ''} ${path}; expected /items/:id` });
      request.resume();
      return;
    }
    const kind = request.method === 'GET' ? OP_READ : request.method === 'PUT' ? OP_WRITE : -1;
    if (kind < 0) {
      response.setHeader('allow', 'GET, PUT');
      send(response, 405, {
        error: `method ${request.method ?? ''} not allowed on /items/:id; use GET or PUT`,
      });
      request.resume();
      return;
    }
    let key: number;
    try {
      key = parseItemId(match[1] ?? '', maxKey);
    } catch (error) {
      send(response, 400, { error: (error as Error).message });
      request.resume();
      return;
    }
    void serveItem(request, response, kind, key);
  };

  const server = createServer(handle);
  server.on('connection', (socket: Socket) => {
    connectionIds.set(socket, nextConnectionId);
    nextConnectionId = (nextConnectionId + 1) % CLIENT_ID_LIMIT;
  });
  // A client that vanishes mid-request must not take the service down.
  server.on('clientError', (_error, socket: Socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('http service: no TCP address');

  const waitIdle = async (timeoutMs: number): Promise<boolean> => {
    if (inFlight === 0) return true;
    return settleWithin(new Promise<void>((wake) => idleWaiters.push(wake)), timeoutMs);
  };

  return {
    url: `http://${LOOPBACK}:${address.port}`,
    get measuring() {
      return operations.measuring;
    },
    set measuring(value: boolean) {
      operations.measuring = value;
    },
    get recording() {
      return operations.recording;
    },
    set recording(value: boolean) {
      operations.recording = value;
    },
    get inFlight() {
      return inFlight;
    },
    get issued() {
      return operations.issued;
    },
    get staleSoFar() {
      return operations.staleSoFar;
    },
    waitIdle,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await waitIdle(CLOSE_GRACE_MS);
        // Requests still open after the grace period lose their connection; the history keeps them open.
        server.closeAllConnections();
        await closed;
      })();
      return closing;
    },
  };
}
