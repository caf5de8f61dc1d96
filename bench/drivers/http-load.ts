import autocannon from 'autocannon';
import { OP_READ } from '../../checker/types.ts';
import type { HttpDriverFigures } from '../../reports/types.ts';
import type { LoadModel } from '../cli/options.ts';
import { createOperationStream, type OperationStream, type WorkloadSpec } from '../workload/workload.ts';
import { CLIENT_HEADER, type HttpService } from './http-service.ts';
import { type LoadOutcome, MAX_MEASURED_OPS, STOP_GRACE_MS, type StopReason } from './phases.ts';

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
  /** Stop after this many requests instead (still bounded by `durationMs`). */
  amount?: number;
  /** Aborting stops the run at autocannon's next one-second tick. */
  signal?: AbortSignal;
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
      ...(limits.amount === undefined ? {} : { amount: limits.amount }),
      ...(load.kind === 'open' ? { overallRate: load.rate } : {}),
      timeout: timeoutSec,
      // autocannon calls this once per connection, in order, while it builds them.
      setupClient: (client) => client.setRequests([{ setupRequest: this.requestSource(nextClient++) }]),
    });
    const stop = (): void => instance.stop();
    limits.signal?.addEventListener('abort', stop, { once: true });
    const bound = setTimeout(stop, limits.durationMs);
    const onTick = (): void => {
      if (limits.shouldStop?.()) stop();
    };
    instance.on('tick', onTick);
    try {
      if (limits.signal?.aborted) stop();
      return await instance;
    } finally {
      clearTimeout(bound);
      instance.off('tick', onTick);
      limits.signal?.removeEventListener('abort', stop);
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

/** Inputs of {@link driveHttp}: the load, its phases, and the hook that starts measurement. */
export interface HttpDriveOptions extends Omit<HttpLoadOptions, 'url'> {
  warmupMs: number;
  durationMs: number;
  /** Measured run only: stop after this many requests (tests); still bounded by `durationMs`. */
  amount?: number;
  signal?: AbortSignal;
  /** Runs once when measurement begins, before the service starts recording (restart the clock here). */
  onMeasure: () => void;
}

/** How the HTTP load ran, plus autocannon's figures of the measured run (null if it never began). */
export interface HttpDriveOutcome extends LoadOutcome {
  figures: HttpDriverFigures | null;
}

/**
 * Runs the HTTP load in the run's phases: warm-up (served, not recorded), then
 * `onMeasure()`, `service.measuring = true` and the measured run, then waits up to
 * {@link STOP_GRACE_MS} for the service to answer what is in flight. Open loop: requests
 * the service did not receive at the target rate are counted as dropped. Does not close
 * the service: the caller clears `service.recording`, closes the history, then closes it.
 */
export async function driveHttp(service: HttpService, options: HttpDriveOptions): Promise<HttpDriveOutcome> {
  const load = new HttpLoad({ ...options, url: service.url });
  const overallRate = options.load.kind === 'open' ? options.load.rate : null;
  service.measuring = false;
  if (options.warmupMs > 0 && !isAborted(options.signal)) {
    await load.run({ durationMs: options.warmupMs, ...(options.signal ? { signal: options.signal } : {}) });
  }
  if (isAborted(options.signal)) {
    const idle = await service.waitIdle(STOP_GRACE_MS);
    return {
      measuredMs: 0,
      stopReason: 'interrupted',
      droppedOps: 0,
      abandonedOps: idle ? 0 : service.inFlight,
      figures: null,
    };
  }
  options.onMeasure();
  service.measuring = true;
  let opLimit = false;
  const started = performance.now();
  const result = await load.run({
    durationMs: options.durationMs,
    ...(options.amount === undefined ? {} : { amount: options.amount }),
    ...(options.signal ? { signal: options.signal } : {}),
    shouldStop: () => {
      opLimit = service.issued >= MAX_MEASURED_OPS;
      return opLimit;
    },
  });
  const measuredMs = performance.now() - started;
  const idle = await service.waitIdle(STOP_GRACE_MS);
  const stopReason: StopReason = isAborted(options.signal)
    ? 'interrupted'
    : opLimit
      ? 'op-limit'
      : 'duration';
  const expected = overallRate === null ? 0 : Math.floor((overallRate * measuredMs) / 1000);
  return {
    measuredMs,
    stopReason,
    droppedOps: Math.max(0, expected - service.issued),
    abandonedOps: idle ? 0 : service.inFlight,
    figures: mapAutocannonResult(result, overallRate),
  };
}

/** A function, not an inline check: the signal changes while the load awaits. */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
