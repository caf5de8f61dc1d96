import type { Toxiproxy } from 'toxiproxy-node-client';
import type { AppProcessControl, Environment, InvalidatorControl } from '../services/types.ts';

export type { AppCrash, AppProcessControl } from '../services/types.ts';

/**
 * The link or server a fault acts on: Redis, the MySQL primary, the replication link
 * between the primary and its replica (`primary-replica` topology), or the application's
 * worker processes (`--workers`).
 */
export type FaultTarget = 'redis' | 'mysql' | 'replication' | 'app' | 'invalidator';

/** Which half of a proxied connection a toxic acts on: client→server, server→client, or both. */
export type FaultDirection = 'upstream' | 'downstream' | 'both';

/** What a fault needs to act: the environment (endpoints, processes) and a Toxiproxy client. */
export interface FaultContext {
  readonly env: Environment;
  readonly toxiproxy: Toxiproxy;
  /** The application's worker processes, when the run has them (`--workers`); app-crash acts on them. */
  readonly app?: AppProcessControl;
  /** The CDC invalidators running in this process (cdc-invalidate), for `invalidator-crash`; empty otherwise. */
  readonly invalidators: readonly InvalidatorControl[];
}

/**
 * A fault package (Jepsen's nemesis + perf): how to start it, how to heal it, and a name and
 * colour for the report. `heal` undoes whatever `start` managed to do, so it is safe to call
 * after a `start` that failed half-way, and calling it twice is harmless.
 */
export interface Fault {
  /** Report name, e.g. `redis-latency`, `mysql-partition`, `redis-crash`, `calm`. */
  readonly name: string;
  /** The kind it was built from (`latency`, `partition`, `redis-crash`, …): the report picks its colour by it. */
  readonly kind: string;
  /** What the fault acts on; `undefined` for `calm`. */
  readonly target: FaultTarget | undefined;
  /** One line saying what the fault does with its parameters, e.g. `latency 100ms ±10ms downstream on redis`. */
  describe(): string;
  start(ctx: FaultContext): Promise<void>;
  heal(ctx: FaultContext): Promise<void>;
}

/** One entry of a fault plan: which fault, on what, with which parameters, when and for how long. */
export interface PlannedFault {
  /** A fault kind name, e.g. `latency`, `partition`, `redis-crash` (see `--list-faults`). */
  fault: string;
  target?: FaultTarget;
  params?: Record<string, unknown>;
  /** Start, in ms from the start of the load. */
  at: number;
  /** How long the fault lasts, in ms; it is healed at `at + duration`. */
  duration: number;
}

/**
 * A plan entry with the id its fault carries through the run, in the history's fault events
 * and in the result: `<fault name>#<n>`, numbered per name in start order. Assigned once, by
 * {@link assignFaultIds} where the plan is resolved.
 */
export interface ResolvedFault extends PlannedFault {
  readonly id: string;
}

/** A parameter a fault kind accepts, with its default, for validation and `--list-faults`. */
export interface ParamSpec<T> {
  readonly doc: string;
  readonly defaultValue: T;
  /** Returns the value, or throws a {@link ParamError} saying what was expected. */
  read(value: unknown): T;
}

/** A bad parameter value; plan validation turns it into a ConfigurationError naming the entry. */
export class ParamError extends Error {
  override readonly name = 'ParamError';
}

/** A process of the local environment a fault needs the harness to own. */
export type OwnedProcess = 'Redis' | 'MariaDB';

/**
 * A kind of fault, registered by name: validates a plan entry and builds its {@link Fault}.
 * `create` is pure (no I/O), so plan validation calls it to check parameters.
 */
export interface FaultKind {
  /** The name plans and `--list-faults` use. */
  readonly name: string;
  /** One line for `--list-faults`. */
  readonly summary: string;
  /** Targets the kind accepts; the first is the default. Empty for `calm`. */
  readonly targets: readonly FaultTarget[];
  readonly params: Readonly<Record<string, ParamSpec<unknown>>>;
  /** Set when the fault signals a server process, which only a local environment owns. */
  readonly needsProcess?: OwnedProcess;
  /** Set when the fault acts on the application's worker processes, which only `--workers` has. */
  readonly needsApp?: boolean;
  /**
   * Set when the fault acts on the replication between the MySQL primary and its replica,
   * which only the `primary-replica` topology has. Such a fault does not act on the
   * strategy's route, so `--direct` does not stop it.
   */
  readonly needsReplica?: boolean;
  /** Set when the fault acts on a Redis Cluster's nodes, which only `--cache-topology cluster` has. */
  readonly needsCluster?: boolean;
  /**
   * Set when the fault acts on the CDC invalidator: `links` through its own Toxiproxy proxies
   * (local environment only), `process` on the invalidator task itself (in this process:
   * `--driver in-process` or `http`). Refused before any service starts for a strategy
   * without an invalidator.
   */
  readonly needsInvalidator?: 'links' | 'process';
  /**
   * Faults holding the same resource (a process stopped or killed, a proxy disabled) must not
   * overlap in time: the first heal would undo the other. `undefined` when faults may overlap.
   */
  exclusiveResource?(target: FaultTarget | undefined, params: Record<string, unknown>): string | undefined;
  /** Builds the fault; `id` (unique in the run, e.g. `redis-latency#1`) names its toxics. Throws {@link ParamError}. */
  create(target: FaultTarget | undefined, params: Record<string, unknown>, id: string): Fault;
}
