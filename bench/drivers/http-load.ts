import autocannon from 'autocannon';
import { OP_READ } from '../../checker/types.ts';
import type { HttpDriverFigures } from '../../reports/types.ts';
import { createOperationStream, type OperationStream, type WorkloadSpec } from '../workload/workload.ts';
import { CLIENT_HEADER } from './http-service.ts';
import type { LoadModel } from './types.ts';

/** autocannon's default: seconds before a request counts as timed out (strategies fail within ~2 s). */
export const DEFAULT_HTTP_TIMEOUT_SEC = 10;

/** What decides the requests: the same inputs as the in-process drivers. */
export interface HttpLoadOptions {
  /** Base URL of the service (bench/http-service.ts). */
  url: string;
  workload: WorkloadSpec;
  seed: number;
  /** Closed loop: one connection per client. Open loop: `overallRate`, at most `maxInFlight` connections. */
  load: LoadModel;
  /** Body of every PUT. */
  payload: Uint8Array;
  /** Seconds before autocannon counts a request as timed out (default {@link DEFAULT_HTTP_TIMEOUT_SEC}). */
  timeoutSec?: number;
}

/** One bounded autocannon run. */
export interface HttpRunLimits {
  /** Upper bound on the run's length; autocannon ends runs on whole seconds. */
  durationMs: number;
  /** The run stops as soon as this settles (the phases' measuring or stopped promise). */
  until?: Promise<unknown>;
  /** Checked every second; returning true stops the run. */
  shouldStop?: () => boolean;
}

/** Connections autocannon opens for a load model (it also caps them at the rate). */
export function connectionsFor(load: LoadModel): number {
  return load.kind === 'closed'
    ? load.clients
    : Math.max(1, Math.min(load.maxInFlight, Math.ceil(load.rate)));
}

/**
 * Drives a service with autocannon. Each connection is one client: connection i sends
 * header {@link CLIENT_HEADER}: i and draws its requests from the operation stream of
 * client i under the seed, one draw per request (GET for a read, PUT with the payload for
 * a write), so a closed-loop run issues, per client, the same sequence as the in-process
 * driver. Streams continue across runs (warm-up, then measurement).
 */
export class HttpLoad {
  private readonly streams = new Map<number, OperationStream>();
  private readonly body: Buffer;

  constructor(private readonly options: HttpLoadOptions) {
    this.body = Buffer.from(options.payload.buffer, options.payload.byteOffset, options.payload.byteLength);
  }

  /** Runs autocannon once within `limits` and returns its result. */
  async run(limits: HttpRunLimits): Promise<autocannon.Result> {
    const { load, timeoutSec = DEFAULT_HTTP_TIMEOUT_SEC } = this.options;
    let nextClient = 0;
    const instance = autocannon({
      url: this.options.url,
      connections: connectionsFor(load),
      duration: Math.max(1, limits.durationMs / 1000),
      ...(load.kind === 'open' ? { overallRate: load.rate } : {}),
      timeout: timeoutSec,
      // autocannon calls this once per connection, in order, while it builds them.
      setupClient: (client) => client.setRequests([{ setupRequest: this.requestSource(nextClient++) }]),
    });
    let running = true;
    const stop = (): void => {
      if (running) instance.stop();
    };
    void limits.until?.then(stop);
    const bound = setTimeout(stop, limits.durationMs);
    const onTick = (): void => {
      if (limits.shouldStop?.()) stop();
    };
    instance.on('tick', onTick);
    try {
      return await instance;
    } finally {
      running = false;
      clearTimeout(bound);
      instance.off('tick', onTick);
    }
  }

  private requestSource(client: number): NonNullable<autocannon.Request['setupRequest']> {
    let stream = this.streams.get(client);
    if (stream === undefined) {
      stream = createOperationStream(this.options.workload, this.options.seed, client);
      this.streams.set(client, stream);
    }
    const draw = stream;
    const empty = Buffer.alloc(0);
    const id = String(client);
    return (request) => {
      draw.next();
      const read = draw.kind === OP_READ;
      // Fresh headers each time: autocannon adds Content-Length to the object it is given.
      request.headers = read
        ? { [CLIENT_HEADER]: id }
        : { [CLIENT_HEADER]: id, 'content-type': 'application/octet-stream' };
      request.method = read ? 'GET' : 'PUT';
      request.path = `/items/${draw.key}`;
      request.body = read ? empty : this.body;
      return request;
    };
  }
}

/** Maps autocannon's result onto the figures result.json keeps (pure). */
export function mapAutocannonResult(
  result: autocannon.Result,
  overallRate: number | null = null,
): HttpDriverFigures {
  const statusCodes: Record<string, number> = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats)) statusCodes[code] = stats.count;
  return {
    tool: 'autocannon',
    connections: result.connections,
    overallRate,
    durationSec: result.duration,
    requestsPerSec: {
      mean: result.requests.mean,
      stddev: result.requests.stddev,
      min: result.requests.min,
      max: result.requests.max,
      p50: result.requests.p50,
    },
    latencyMs: {
      mean: result.latency.mean,
      stddev: result.latency.stddev,
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      p999: result.latency.p99_9,
      max: result.latency.max,
    },
    sent: result.requests.sent,
    completed: result.requests.total,
    responses2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    bytesPerSec: result.throughput.mean,
  };
}
