import { check } from '../../checker/index.ts';
import {
  type FinalSnapshot,
  type History,
  OP_READ,
  OP_WRITE,
  OUTCOME_INFO,
  OUTCOME_OK,
  SOURCE_CACHE,
  SOURCE_DB,
  SOURCE_NONE,
  type TracedStep,
} from '../../checker/types.ts';
import type {
  CacheStrategy,
  DeferredSteps,
  DeferredWork,
  PauseHook,
  ReadResult,
  StepTracer,
  WriteResult,
} from '../../strategies/types.ts';
import { type OperationEnd, StepController } from './step-controller.ts';
import type {
  AnomalyKind,
  Execution,
  ExplorationSpec,
  Participant,
  Scenario,
  ScheduleOutcome,
  ScheduleStep,
  StepAction,
} from './types.ts';

/** The servers an exploration runs against (the local services, or an in-memory stand-in in tests). */
export interface ExploreWorld {
  /** Builds strategy `name` with the explorer's pause hook, tracer and logical clock, and `options` (`--strategy-option`). */
  createStrategy(
    name: string,
    wiring: StrategyWiring,
    options?: Readonly<Record<string, string | number | boolean>>,
  ): Promise<CacheStrategy>;
  /** Deletes the key's cache entry directly (a cold start). */
  dropCacheEntry(key: number): Promise<void>;
  /** The key's cache version as strategy `strategy` serves it and its MySQL version, read directly (0 = none). */
  snapshot(key: number, strategy: CacheStrategy): Promise<{ cacheVersion: number; dbVersion: number }>;
  /** Kills Redis and starts it again, empty. */
  restartRedis(): Promise<void>;
  /** A key no schedule has used yet. */
  freshKey(): number;
  /** What strategy `name` defers past its reads and writes under `options` (its registry entry's `deferredSteps`). */
  deferredStepsOf(name: string, options: Readonly<Record<string, string | number | boolean>>): DeferredSteps;
}

/** What the explorer hands a strategy factory. */
export interface StrategyWiring {
  pause: PauseHook;
  tracer: StepTracer;
  now: () => number;
  /** Deferred work becomes a participant of the schedule (see {@link participantsOf}). */
  deferredWork: DeferredWork;
}

/** A key no scenario uses: the explorer reads it until the strategy reaches a restarted Redis again. */
const PROBE_KEY = 1;
/** The opId of the explorer's own probe reads: neither an operation's nor background work (-1), so never held. */
const PROBE_OP = -2;
/** How long the strategy may take to reconnect after a restart. */
const RECONNECT_TIMEOUT_MS = 10_000;
/** Logical time per schedule step, in history nanoseconds (1 ms: the timeline reads in steps). */
const STEP_NS = 1e6;

type OpValue = ReadResult | WriteResult | undefined;

const payloadOf = (text: string): Uint8Array => new TextEncoder().encode(text);

/** What the explorer needs to know of a strategy besides its steps. */
export interface StrategyTraits {
  /** It has background work a `flush` operation runs (`drain()`). */
  hasDrain: boolean;
  /** What a read or a write defers: one participant per such operation; a `drain()` then waits for them, so no flush. */
  deferred: DeferredSteps;
}

/**
 * The participants of `scenario` for a strategy: its operations (flushes only for a strategy
 * with background work to drain and nothing deferred), one deferred step per read or write
 * that defers work, then the fault. A crashed writer takes its deferred work with it (a timer
 * of its process).
 */
export function participantsOf(scenario: Scenario, traits: StrategyTraits): Participant[] {
  const participants: Participant[] = [];
  const defers = traits.deferred.read !== undefined || traits.deferred.write !== undefined;
  const flushes = traits.hasDrain && !defers;
  for (const kind of scenario.operations) {
    if (kind === 'flush' && !flushes) continue;
    participants.push({ label: `op${participants.length + 1} ${kind}`, kind, stops: [], isFault: false });
  }
  const operations = participants.length;
  for (let index = 0; index < operations; index++) {
    const kind = participants[index]?.kind;
    const label = kind === 'read' || kind === 'write' ? traits.deferred[kind] : undefined;
    if (label === undefined) continue;
    participants.push({
      label: `op${index + 1} ${label}`,
      kind: 'deferred',
      stops: [],
      isFault: false,
      deferredOf: index,
    });
  }
  if (scenario.fault === 'redis-restart') {
    participants.push({ label: 'Redis restart', kind: 'redis-restart', stops: [], isFault: true });
  } else if (scenario.fault === 'writer-crash') {
    const writer = participants.findIndex((p) => p.kind === 'write');
    const deferred = participants.flatMap((p, index) => (p.deferredOf === writer ? [index] : []));
    participants.push({
      label: `op${writer + 1} crashes`,
      kind: 'writer-crash',
      stops: [writer, ...deferred],
      isFault: true,
    });
  }
  return participants;
}

/**
 * One strategy on one scenario as an {@link ExplorationSpec}: each execution takes a fresh
 * key, seeds it through the strategy itself (a write, the strategy's drain, then a read to
 * fill the cache or a direct delete to empty it), runs the schedule's steps, drains, reads
 * the final versions directly and checks a history of the schedule with the checker.
 */
export function strategySpec(
  world: ExploreWorld,
  strategy: CacheStrategy,
  router: HookRouter,
  scenario: Scenario,
  deferred: DeferredSteps = {},
): ExplorationSpec<ScheduleOutcome> {
  const participants = participantsOf(scenario, { hasDrain: strategy.drain !== undefined, deferred });
  return {
    participants,
    begin: async () => {
      const key = world.freshKey();
      await strategy.write(key, payloadOf('seed'));
      await strategy.drain?.();
      if (scenario.cache === 'warm') await strategy.read(key);
      else await world.dropCacheEntry(key);
      await strategy.settle?.();
      const execution = new StrategyExecution(world, strategy, participants, key);
      router.attach(execution);
      return execution;
    },
  };
}

/**
 * The strategy is built once per exploration; its hook, tracer and clock go to whichever
 * execution is current.
 */
export class HookRouter {
  private current: StrategyExecution | undefined;
  readonly wiring: StrategyWiring = {
    pause: (point, key, opId) => this.current?.controller.hook(point, key, opId),
    tracer: {
      wants: (key) => this.current?.wants(key) ?? false,
      record: (event) => this.current?.record(event.step, event.version, event.opId, event.at),
    },
    now: () => this.current?.now() ?? 0,
    deferredWork: {
      after: (_delayMs, task) => this.current?.defer(task) ?? task(),
      dropPending: () => this.current?.dropDeferred(),
    },
  };

  attach(execution: StrategyExecution): void {
    this.current = execution;
  }
}

class StrategyExecution implements Execution<ScheduleOutcome> {
  readonly controller: StepController<OpValue>;
  private readonly firstStep = new Map<number, number>();
  private readonly lastStep = new Map<number, number>();
  private readonly rowOf = new Map<number, number>();
  private readonly fired = new Set<number>();
  private readonly traced: TracedStep[] = [];
  /** Deferred work scheduled by its write, by participant, until it runs or is dropped. */
  private readonly deferred = new Map<number, { task: () => Promise<void>; settle: () => void }>();
  /** Operations held at `lock-wait`: the step index they were held at. */
  private readonly waitingSince = new Map<number, number>();
  private actions: StepAction[] = [];
  private stepIndex = 0;
  private tick = 0;
  private running = -1;

  constructor(
    private readonly world: ExploreWorld,
    private readonly strategy: CacheStrategy,
    private readonly participants: readonly Participant[],
    private readonly key: number,
  ) {
    this.controller = new StepController<OpValue>(() => {
      const stats = strategy.stats();
      return { redis: stats.redisCommands, db: stats.dbQueries };
    });
    participants.forEach((participant, index) => {
      if (participant.isFault) return;
      const row = participant.kind === 'read' || participant.kind === 'write' ? this.rowOf.size : -1;
      if (row >= 0) this.rowOf.set(index, row);
      // The pauses an operation answers for, by opId: its row; background work (-1) for a
      // flush; the scheduling operation's row for deferred work.
      const owned =
        participant.kind === 'flush'
          ? -1
          : participant.kind === 'deferred'
            ? (this.rowOf.get(participant.deferredOf ?? -1) ?? Number.NaN)
            : row;
      this.controller.add(() => this.invoke(participant, row, index), owned);
    });
  }

  /**
   * A task the stepping write defers: held until the explorer steps its participant. Outside
   * a step (seeding, the final drain) or from a write without one, it runs at once.
   */
  defer(task: () => Promise<void>): Promise<void> {
    const index = this.participants.findIndex((p) => p.deferredOf === this.running);
    if (this.running < 0 || index < 0 || this.deferred.has(index) || this.controller.started(index))
      return task();
    return new Promise<void>((settle) => this.deferred.set(index, { task, settle }));
  }

  /** The strategy closed: deferred work that did not run never will. */
  dropDeferred(): void {
    for (const entry of this.deferred.values()) entry.settle();
    this.deferred.clear();
  }

  wants(key: number): boolean {
    return key === this.key && this.controller.isStepping();
  }

  now(): number {
    return this.stepIndex * STEP_NS + ++this.tick * 1e3;
  }

  record(step: string, version: number, opId: number, at: number): void {
    this.actions.push({ step, version });
    // Background work (the flush) carries opId -1: it belongs to the flush operation now stepping.
    const owner = this.participants[this.running]?.deferredOf ?? this.running;
    const op = opId >= 0 ? opId : (this.rowOf.get(owner) ?? -1);
    this.traced.push({ step, key: this.key, version, at, opId: op });
  }

  /**
   * Who can step: a fault not fired yet; an operation not ended; deferred work once its write
   * scheduled it. An operation waiting for another's lock (`lock-wait`) polls again only after
   * someone else stepped since (or when nothing else can): a poll with nothing changed gets
   * the same reply and changes nothing, so those schedules are not worth running.
   */
  enabled(): number[] {
    const candidates: number[] = [];
    this.participants.forEach((participant, index) => {
      if (participant.isFault) {
        if (!this.fired.has(index)) candidates.push(index);
      } else if (participant.kind === 'deferred' && !this.controller.started(index)) {
        if (this.deferred.has(index) && this.controller.canStep(index)) candidates.push(index);
      } else if (this.controller.canStep(index)) candidates.push(index);
    });
    const enabled = candidates.filter((index) => {
      const since = this.waitingSince.get(index);
      return since === undefined || this.someoneSteppedAfter(index, since);
    });
    const operations = enabled.filter((index) => !this.participants[index]?.isFault);
    return operations.length > 0 ? enabled : candidates;
  }

  private someoneSteppedAfter(participant: number, stepIndex: number): boolean {
    for (const [other, last] of this.lastStep) if (other !== participant && last > stepIndex) return true;
    return false;
  }

  async step(participant: number): Promise<ScheduleStep> {
    const spec = this.participants[participant] as Participant;
    this.stepIndex++;
    this.tick = 0;
    this.actions = [];
    this.running = participant;
    if (!this.firstStep.has(participant)) this.firstStep.set(participant, this.stepIndex);
    this.lastStep.set(participant, this.stepIndex);
    let endedAt: string;
    let commands = { redis: 0, db: 0 };
    if (spec.kind === 'redis-restart') {
      this.fired.add(participant);
      await this.world.restartRedis();
      await this.awaitReconnect();
      endedAt = 'Redis killed and restarted empty';
    } else if (spec.kind === 'writer-crash') {
      this.fired.add(participant);
      for (const stopped of spec.stops) {
        const wasStarted = this.controller.started(stopped);
        await this.controller.crash(stopped);
        this.deferred.get(stopped)?.settle();
        this.deferred.delete(stopped);
        if (!this.firstStep.has(stopped)) this.firstStep.set(stopped, this.stepIndex);
        if (wasStarted && this.controller.endOf(stopped)?.state === 'crashed')
          this.lastStep.set(stopped, this.stepIndex);
      }
      endedAt = 'application crash';
    } else {
      const end = await this.controller.step(participant);
      await this.strategy.settle?.();
      commands = end.commands;
      endedAt = end.heldAt ?? describeEnd(this.controller.endOf(participant));
      if (end.heldAt === 'lock-wait') this.waitingSince.set(participant, this.stepIndex);
      else this.waitingSince.delete(participant);
    }
    this.running = -1;
    return { participant, commands, actions: this.actions, endedAt };
  }

  async finish(): Promise<ScheduleOutcome> {
    this.controller.stopParking();
    await this.strategy.drain?.();
    const final = await this.world.snapshot(this.key, this.strategy);
    const snapshot: FinalSnapshot = {
      keys: [{ key: this.key, ...final }],
      takenAtNs: (this.stepIndex + 1) * STEP_NS,
    };
    const { history, reads, writes } = this.history();
    const report = check(history, snapshot, { steps: this.traced, maxExamplesPerKind: 1 });
    const anomalies: AnomalyKind[] = [];
    if (report.stale.staleReads > 0) anomalies.push('stale-read');
    for (const divergent of report.divergentKeys) {
      anomalies.push(divergent.kind === 'cache-older' ? 'stale-cache' : 'cache-newer');
    }
    if (report.writesAboveFinalRow.length > 0) anomalies.push('lost-write');
    return {
      reads,
      writes,
      cacheVersion: final.cacheVersion,
      dbVersion: final.dbVersion,
      lostWrites: report.writesAboveFinalRow.map((lost) => lost.version),
      anomalies,
      examples: report.examples,
    };
  }

  private invoke(participant: Participant, row: number, index: number): Promise<OpValue> {
    if (participant.kind === 'deferred') {
      const entry = this.deferred.get(index);
      if (entry === undefined) return Promise.reject(new Error(`${participant.label}: nothing was deferred`));
      this.deferred.delete(index);
      return entry
        .task()
        .finally(entry.settle)
        .then(() => undefined);
    }
    if (participant.kind === 'read') return this.strategy.read(this.key, row);
    if (participant.kind === 'write') return this.strategy.write(this.key, payloadOf(`op${index + 1}`), row);
    return (this.strategy.drain?.() ?? Promise.resolve()).then(() => undefined);
  }

  /** After a restart the strategy's own client reconnects by itself; a read of another key shows when it has. */
  private async awaitReconnect(): Promise<void> {
    const deadline = performance.now() + RECONNECT_TIMEOUT_MS;
    for (;;) {
      try {
        await this.strategy.read(PROBE_KEY, PROBE_OP);
        return;
      } catch (error) {
        if (performance.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  }

  /** The schedule as a checker history: one row (and client) per read and write, logical times. */
  private history(): { history: History; reads: (number | 'info')[]; writes: (number | 'info')[] } {
    const rows = [...this.rowOf.entries()];
    const length = rows.length;
    const history: History = {
      length,
      client: new Uint16Array(length),
      kind: new Uint8Array(length),
      key: new Uint32Array(length).fill(this.key),
      invokeNs: new Float64Array(length),
      completeNs: new Float64Array(length),
      outcome: new Uint8Array(length),
      version: new Float64Array(length),
      source: new Uint8Array(length),
      error: new Uint8Array(length),
      errorKinds: ['', 'unknown'],
      faults: [],
    };
    const reads: (number | 'info')[] = [];
    const writes: (number | 'info')[] = [];
    for (const [participant, row] of rows) {
      const isRead = this.participants[participant]?.kind === 'read';
      const end = this.controller.endOf(participant);
      history.client[row] = row;
      history.kind[row] = isRead ? OP_READ : OP_WRITE;
      history.invokeNs[row] = (this.firstStep.get(participant) ?? this.stepIndex) * STEP_NS;
      history.completeNs[row] = (this.lastStep.get(participant) ?? this.stepIndex) * STEP_NS + STEP_NS / 2;
      let seen: number | 'info' = 'info';
      if (end?.state === 'done' && end.value !== undefined) {
        const value = end.value;
        seen = 'found' in value ? (value.found ? value.version : 0) : value.version;
        history.outcome[row] = OUTCOME_OK;
        history.version[row] = seen;
        history.source[row] =
          'source' in value ? (value.source === 'cache' ? SOURCE_CACHE : SOURCE_DB) : SOURCE_NONE;
      } else {
        history.outcome[row] = OUTCOME_INFO;
        history.version[row] = -1;
        history.error[row] = 1;
      }
      (isRead ? reads : writes).push(seen);
    }
    return { history, reads, writes };
  }
}

function describeEnd(end: OperationEnd<OpValue> | undefined): string {
  if (end === undefined) return 'running';
  if (end.state === 'failed') return `failed: ${end.error}`;
  if (end.state === 'crashed') return 'crashed';
  const value = end.value;
  if (value === undefined) return 'done';
  if ('found' in value)
    return value.found ? `returned v${value.version} (${value.source})` : `returned absent (${value.source})`;
  return `acknowledged v${value.version}`;
}
