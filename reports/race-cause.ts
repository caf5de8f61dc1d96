import type { AnomalyExample, DivergentKey, ExampleStep, LostWrite } from '../checker/types.ts';
import { formatMs } from './format.ts';
import type { FaultWindow } from './types.ts';

/** What the classifier may use besides the example: the run's settings and its other findings. */
export interface CauseContext {
  /** The run's faults (a crash that explains a lost write is one of them). */
  faults?: readonly Pick<FaultWindow, 'id' | 'name' | 'kind' | 'target' | 'startMs' | 'healMs'>[];
  /** The strategy's options (a guard's lifetime: `tombstoneTtlMs`, `delayMs`, …). */
  strategyConfig?: Readonly<Record<string, string | number | boolean | null>>;
  /** The run's divergent keys: the version a divergent-key example's cache holds. */
  divergent?: readonly DivergentKey[];
  /** The run's lost writes: the version a lost-write example lost. */
  lost?: readonly LostWrite[];
}

/** Which race it was. */
export type CauseKind =
  | 'refill-between-delete-and-commit'
  | 'late-fill-after-invalidation'
  | 'late-fill-after-second-delete'
  | 'late-fill-after-guard-expired'
  | 'writes-reordered-in-cache'
  | 'invalidation-never-ran'
  | 'marked-entry-served'
  | 'invalidator-lag'
  | 'lost-in-crash'
  | 'never-flushed'
  | 'read-behind-flush'
  | 'unexplained';

/** The cause of one worked example, in one sentence, and what the sentence rests on. */
export interface Cause {
  kind: CauseKind;
  sentence: string;
  /** The operations the sentence is about (op ids; -1 = the pattern's background work): the ones to draw. */
  ops: number[];
  /** The faults the sentence is about (ids): the ones the timeline must show. */
  faultIds: string[];
}

const ms = (value: number): string => `${formatMs(value)} ms`;
const isDelete = (s: ExampleStep): boolean => s.step === 'cache-del';

/**
 * Names the cause of a worked anomaly in one sentence, from its traced steps alone (plus the
 * run's faults and settings): which step of which operation came in which order. Pure; the
 * rules are the races `npm run races` plays, each recognised by the order of its steps.
 */
export function explainExample(example: AnomalyExample, context: CauseContext = {}): Cause {
  const steps = [...example.steps].filter((s) => s.key === example.key).sort((a, b) => a.atMs - b.atMs);
  if (steps.length === 0) {
    return {
      kind: 'unexplained',
      sentence:
        'No step of this key was traced (only the most recent steps, and a sample of keys above 16,384, are kept), so the cause cannot be read from the trace.',
      ops: example.operations.map((o) => o.op),
      faultIds: [],
    };
  }
  if (example.kind === 'lost-write') return lostWriteCause(example, steps, context);
  if (example.kind === 'divergent-key') {
    const divergent = context.divergent?.find((d) => d.key === example.key);
    if (divergent?.kind === 'cache-newer')
      return lostWriteCause(example, steps, context, divergent.cacheVersion);
    const version = divergent?.cacheVersion ?? lastSetVersion(steps);
    return staleEntryCause(example, steps, context, version, undefined);
  }
  const read = staleRead(example);
  if (read === undefined) return unexplained(example, 'the stale read is not among the operations');
  if (read.source === 'db') {
    return {
      kind: 'read-behind-flush',
      sentence: `The read missed the cache and read ${versionText(read.version)} from MySQL, which did not have the newer write yet (it was still queued for the flusher).`,
      ops: [read.op, ...example.operations.filter((o) => o.kind === 'write').map((o) => o.op)],
      faultIds: [],
    };
  }
  return staleEntryCause(example, steps, context, read.version, read.op);
}

function unexplained(example: AnomalyExample, why: string): Cause {
  return {
    kind: 'unexplained',
    sentence: `The traced steps do not show the cause: ${why}.`,
    ops: example.operations.map((o) => o.op),
    faultIds: [],
  };
}

function versionText(version: number): string {
  return version > 0 ? `v${version}` : 'nothing (absent)';
}

function lastSetVersion(steps: readonly ExampleStep[]): number {
  for (let i = steps.length - 1; i >= 0; i--)
    if (steps[i]?.step === 'cache-set') return steps[i]?.version ?? 0;
  return 0;
}

/** The read the example is about: the last ok read that returned an older version than a completed write. */
function staleRead(example: AnomalyExample): AnomalyExample['operations'][number] | undefined {
  const reads = example.operations.filter(
    (r) =>
      r.kind === 'read' &&
      r.outcome === 'ok' &&
      example.operations.some(
        (w) => w.kind === 'write' && w.outcome === 'ok' && w.version > r.version && w.completeMs < r.invokeMs,
      ),
  );
  return reads[reads.length - 1] ?? example.operations.filter((o) => o.kind === 'read').pop();
}

/** The entry holds (or a read returned) `version` although a write of a newer one committed: why. */
function staleEntryCause(
  example: AnomalyExample,
  steps: readonly ExampleStep[],
  context: CauseContext,
  version: number,
  readOp: number | undefined,
): Cause {
  const readAt = readOp === undefined ? Number.POSITIVE_INFINITY : hitTime(steps, readOp);
  // The write that should have displaced `version`: the first commit of a newer one.
  const commit = steps.find((s) => s.step === 'db-write' && s.version > version);
  if (commit === undefined)
    return unexplained(example, `no MySQL commit of a version above v${version} was traced`);
  const writer = commit.op;
  const newer = commit.version;
  const reader = readOp === undefined ? [] : [readOp];
  // The last time `version` was put into the cache before the read (or the end).
  const set = [...steps]
    .reverse()
    .find((s) => s.step === 'cache-set' && s.version === version && s.atMs <= readAt);

  // Two writes: MySQL took them in one order, the cache in the other.
  if (
    set !== undefined &&
    steps.some((s) => s.step === 'db-write' && s.op === set.op && s.version === version)
  ) {
    const newerSet = steps.find((s) => s.step === 'cache-set' && s.op === writer && s.version === newer);
    if (newerSet !== undefined && newerSet.atMs < set.atMs) {
      return {
        kind: 'writes-reordered-in-cache',
        sentence: `Two writes reached MySQL as v${version}, v${newer} and the cache as v${newer}, v${version}: op ${set.op}'s SET of v${version} landed ${ms(set.atMs - newerSet.atMs)} after op ${writer}'s SET of v${newer}.`,
        ops: [set.op, writer, ...reader],
        faultIds: [],
      };
    }
  }

  const invalidations = steps.filter(
    (s) =>
      (s.op === writer || s.op < 0) &&
      s.atMs >= commit.atMs &&
      (isDelete(s) || (s.op < 0 && s.step === 'cache-set' && s.version >= newer)),
  );
  const fill =
    set !== undefined && steps.some((s) => s.step === 'db-read' && s.op === set.op) ? set : undefined;

  // delete-then-update: the write deleted first, a read refilled the old row before the commit.
  const earlyDelete = steps.find((s) => isDelete(s) && s.op === writer && s.atMs < commit.atMs);
  if (
    fill !== undefined &&
    earlyDelete !== undefined &&
    fill.atMs > earlyDelete.atMs &&
    fill.atMs < commit.atMs
  ) {
    return {
      kind: 'refill-between-delete-and-commit',
      sentence: `A read (op ${fill.op}) refilled the cache with v${version} between the write's DEL and its MySQL commit of v${newer} (${ms(commit.atMs - fill.atMs)} before the commit).`,
      ops: [writer, fill.op, ...reader],
      faultIds: [],
    };
  }

  const background = steps.find((s) => s.op < 0 && s.version >= newer && s.atMs > readAt);
  if (readOp !== undefined && background !== undefined && !invalidations.some((s) => s.atMs < readAt)) {
    return {
      kind: 'invalidator-lag',
      sentence: `The read hit v${version} ${ms(readAt - commit.atMs)} after v${newer} was committed, before the invalidator applied v${newer}'s binlog event (it did ${ms(background.atMs - readAt)} after the read).`,
      ops: [writer, -1, ...reader],
      faultIds: [],
    };
  }
  if (invalidations.length === 0) {
    const writeOp = example.operations.find((o) => o.op === writer);
    const how =
      writeOp === undefined || writeOp.outcome === 'ok'
        ? 'no DEL of the entry was traced after it'
        : `the write ended ${writeOp.outcome} after its commit, before its DEL`;
    return {
      kind: 'invalidation-never-ran',
      sentence: `The write of v${newer} (op ${writer}) committed to MySQL but never invalidated the cache (${how}), so the v${version} entry${set === undefined ? '' : ` set by op ${set.op}`} stayed.`,
      ops: [writer, ...(set === undefined ? [] : [set.op]), ...reader],
      faultIds: [],
    };
  }

  if (fill !== undefined && fill.atMs > commit.atMs) {
    const last = invalidations.filter((s) => s.atMs < fill.atMs).pop();
    const dels = steps.filter((s) => isDelete(s) && s.op === writer);
    const config = context.strategyConfig ?? {};
    if (last !== undefined && last.op === writer && last.version >= newer) {
      const ttl = config.tombstoneTtlMs;
      return {
        kind: 'late-fill-after-guard-expired',
        sentence: `A read (op ${fill.op}) that had read v${version} from MySQL set it ${ms(fill.atMs - last.atMs)} after the write left tombstone v${newer}${ttl === undefined || ttl === null ? '' : `, which lives ${ttl} ms`}: the tombstone had expired, so nothing refused the old fill.`,
        ops: [writer, fill.op, ...reader],
        faultIds: [],
      };
    }
    if (dels.length >= 2 && last !== undefined && last.op === writer) {
      return {
        kind: 'late-fill-after-second-delete',
        sentence: `A read (op ${fill.op}) that had read v${version} from MySQL set it ${ms(fill.atMs - last.atMs)} after the write's second delete (${ms(last.atMs - commit.atMs)} after its commit of v${newer}): the fill took longer than the delay.`,
        ops: [writer, fill.op, ...reader],
        faultIds: [],
      };
    }
    const by =
      last !== undefined && last.op < 0
        ? `the invalidator deleted the entry for v${newer}'s binlog event`
        : `the write of v${newer} (op ${writer}) committed and deleted the entry`;
    return {
      kind: 'late-fill-after-invalidation',
      sentence: `A read (op ${fill.op}) that had read v${version} from MySQL before the commit set it in the cache ${ms(fill.atMs - (last ?? commit).atMs)} after ${by}.`,
      ops: [writer, fill.op, ...(last !== undefined && last.op < 0 ? [-1] : []), ...reader],
      faultIds: [],
    };
  }

  // The entry was there before the write; the write's delete ran, and a read still got it.
  const del = invalidations.find(isDelete);
  if (readOp !== undefined && del !== undefined && del.atMs < readAt) {
    return {
      kind: 'marked-entry-served',
      sentence: `The read hit v${version} ${ms(readAt - del.atMs)} after the write of v${newer} marked the entry deleted: a marked entry is still served (weak mode) while it is refilled in the background.`,
      ops: [writer, readOp],
      faultIds: [],
    };
  }
  return unexplained(
    example,
    `v${version} was in the cache after the commit of v${newer} and no step shows how`,
  );
}

/** When the read got its answer from the cache (its GET), else its invoke. */
function hitTime(steps: readonly ExampleStep[], op: number): number {
  const get = steps.find((s) => s.op === op && s.step === 'cache-get-hit');
  return get?.atMs ?? steps.find((s) => s.op === op)?.atMs ?? Number.POSITIVE_INFINITY;
}

/** An acknowledged write MySQL never got (or a cache ahead of MySQL): lost in a crash, or never flushed. */
function lostWriteCause(
  example: AnomalyExample,
  steps: readonly ExampleStep[],
  context: CauseContext,
  version?: number,
): Cause {
  const lostVersion =
    version ??
    context.lost?.find((l) => l.key === example.key && example.operations.some((o) => o.op === l.op))
      ?.version ??
    example.operations.find((o) => o.kind === 'write' && o.outcome === 'ok')?.version ??
    0;
  const write = example.operations.find((o) => o.kind === 'write' && o.version === lostVersion);
  const push = steps.find((s) => s.step === 'queue-push' && s.version === lostVersion);
  const ackMs = write?.completeMs ?? push?.atMs;
  const flushed = steps.some(
    (s) => s.step === 'flush' && s.version >= lostVersion && s.atMs >= (push?.atMs ?? 0),
  );
  const op = write?.op ?? push?.op;
  const ops = op === undefined ? [] : [op];
  if (push === undefined) {
    return unexplained(
      example,
      `no queue push of v${lostVersion} was traced, and a synchronous write that was acknowledged ok committed first`,
    );
  }
  const crash = (context.faults ?? []).find(
    (f) => /crash/.test(f.kind ?? f.name) && ackMs !== undefined && f.startMs >= ackMs,
  );
  if (crash !== undefined && ackMs !== undefined && !flushed) {
    return {
      kind: 'lost-in-crash',
      sentence: `Redis was killed ${ms(crash.startMs - ackMs)} after v${lostVersion} was acknowledged (${crash.id}); the flusher had not read it from the queue, and the restart came back without it.`,
      ops,
      faultIds: [crash.id],
    };
  }
  return {
    kind: 'never-flushed',
    sentence: `v${lostVersion} was acknowledged once queued in Redis, and no flush of it to MySQL was traced before the final snapshot.`,
    ops,
    faultIds: [],
  };
}
