import type { ServiceEndpoints } from '../../services/types.ts';
import type { ErrorPolicy, ReadFrom, StrategyStats } from '../../strategies/types.ts';
import type { WorkloadSpec } from '../workload/workload.ts';

/** The application the workers driver runs in each process: a strategy by name and its settings (plain data). */
export interface ApplicationSpec {
  /** The strategy's registered name (strategies/registry.ts). */
  strategy: string;
  endpoints: ServiceEndpoints;
  viaProxy: boolean;
  /** Where the strategy's reads go (`--read-from`); absent = the primary. */
  readFrom?: ReadFrom;
  ttlSeconds: number;
  flushIntervalMs: number;
  flushBatchSize: number;
  strategyOptions: Readonly<Record<string, string>>;
  errorPolicy: ErrorPolicy | undefined;
  /** Application processes to start (`--workers`). */
  workers: number;
  /**
   * Keep one more process connected and idle, to take a killed worker's slot at once (set
   * when the fault plan has an app-crash).
   */
  standby?: boolean;
}

/** What the parent tells a worker. */
export type ToWorker =
  | {
      type: 'start';
      app: ApplicationSpec;
      /** The run's client ids this worker drives; client i draws stream (seed, i) as in-process. */
      clients: number[];
      workload: WorkloadSpec;
      seed: number;
      payload: string;
    }
  | { type: 'measure' }
  /**
   * A standby takes over the clients of a killed worker: client `clients[i]` skips the
   * `skips[i]` operations of its stream the killed process had already issued.
   */
  | { type: 'adopt'; clients: number[]; skips: number[] }
  | { type: 'stop' };

/**
 * An operation event. Times are CLOCK_MONOTONIC nanoseconds (`process.hrtime`), the one clock
 * every process of the machine shares; `performance.now()` has a per-process origin, so the
 * parent converts. `i`: invoked (id, client, kind, key, at); `c`: completed (id, at, outcome,
 * version, source, error kind or '').
 */
export type OperationEvent =
  | ['i', number, number, number, number, number]
  | ['c', number, number, number, number, number, string];

/** What a worker tells the parent. */
export type FromWorker =
  | { type: 'ready'; pid: number }
  | { type: 'ops'; events: OperationEvent[] }
  | {
      type: 'done';
      /**
       * The worker's strategy counters since the parent's `measure` message arrived (a few ms
       * after measurement began: operations in between are recorded but not counted here).
       */
      stats: StrategyStats;
      /** Operations still in flight after the stop grace. */
      abandoned: number;
    }
  | { type: 'error'; message: string };
