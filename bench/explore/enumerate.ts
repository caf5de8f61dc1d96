import { ConfigurationError } from '../../kernel/index.ts';
import type { ExplorationSpec, Participant, ScheduleStep } from './types.ts';

/** Schedules explored per strategy and scenario unless `--max-schedules` says otherwise. */
export const DEFAULT_MAX_SCHEDULES = 5000;

/** A scenario with more schedules than the bound: one line, exit 2. */
export class ScenarioTooLarge extends ConfigurationError {}

/** What {@link enumerateSchedules} reports besides the schedules it hands to `onSchedule`. */
export interface EnumerationSummary {
  schedules: number;
  /** Branches of the schedule tree cut by a reduction (never run). */
  reducedBranches: number;
}

export interface EnumerationOptions<TOutcome> {
  maxSchedules: number;
  /** Named in the too-large message. */
  what: string;
  onSchedule(steps: ScheduleStep[], outcome: TOutcome): void;
}

/** A node of the schedule tree: the participants enabled there and the ones still to try. */
interface TreeNode {
  enabled: number[];
  choices: number[];
  index: number;
  /** The step each child took from here, once run (a replay takes the same one). */
  childSteps: Map<number, ScheduleStep>;
  /** After the fault at this node: the only children worth running (see {@link faultChildren}). */
  afterFault: Map<number, number[]>;
  forced: boolean;
}

/**
 * A fault commutes with a step that cannot see it: a Redis restart with a step that sent no
 * Redis command (MySQL alone is unaffected, and between steps nothing is in flight); a
 * crashed writer with every step of another operation (the writer is held either way).
 */
export function faultCommutes(fault: Participant, step: ScheduleStep): boolean {
  if (fault.kind === 'redis-restart') return step.commands.redis === 0;
  if (fault.kind === 'writer-crash') return !fault.stops.includes(step.participant);
  return false;
}

const sameSet = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((value, i) => value === b[i]);

/**
 * Every schedule of `spec`'s participants, depth first, each one run from a fresh start
 * (stateless model checking: a prefix is replayed, then extended). Three reductions, each
 * sound for the anomalies the checker reports (README, "Exploring interleavings"):
 * 1. a pause point reached without a command is no boundary (the step controller);
 * 2. an operation's last step when it sends no command (it only returns) follows its previous
 *    step at once: no command result changes, and an earlier acknowledgement can only add
 *    stale reads (a read is stale against writes completed before it began);
 * 3. a fault is placed only right before a step it does not commute with (or at the end):
 *    the other placements reach the same states.
 * A replay that finds other participants enabled than the first run did is a harness error
 * (the execution is not deterministic). More than `maxSchedules` schedules, or a first
 * schedule implying more, is a {@link ScenarioTooLarge}.
 */
export async function enumerateSchedules<TOutcome>(
  spec: ExplorationSpec<TOutcome>,
  options: EnumerationOptions<TOutcome>,
): Promise<EnumerationSummary> {
  const { participants } = spec;
  const stack: TreeNode[] = [];
  let schedules = 0;
  let reducedBranches = 0;

  const isFault = (p: number): boolean => participants[p]?.isFault === true;
  const faultAllowed = (node: TreeNode, fault: number): boolean => {
    const children = faultChildren(participants, node, fault);
    if (children === undefined) return false;
    node.afterFault.set(fault, children);
    return true;
  };
  /** Moves `node` to its next choice worth running; false when none is left. */
  const advance = (node: TreeNode): boolean => {
    for (node.index++; node.index < node.choices.length; node.index++) {
      const choice = node.choices[node.index] as number;
      if (!isFault(choice) || faultAllowed(node, choice)) return true;
      reducedBranches++;
    }
    return false;
  };

  for (;;) {
    const execution = await spec.begin();
    const steps: ScheduleStep[] = [];
    let previous: number | undefined;
    for (let depth = 0; ; depth++) {
      const enabled = execution.enabled();
      if (enabled.length === 0) break;
      let node = stack[depth];
      if (node === undefined) {
        const parent = stack[depth - 1];
        const restricted = previous === undefined ? undefined : parent?.afterFault.get(previous);
        node = newNode(enabled, restricted ?? orderChoices(enabled, previous, isFault));
        if (restricted !== undefined) reducedBranches += enabled.length - restricted.length;
        stack.push(node);
        if (isFault(node.choices[0] as number) && !faultAllowed(node, node.choices[0] as number)) {
          throw new Error(`explorer: no step to take at depth ${depth}`);
        }
      } else if (!sameSet(node.enabled, enabled)) {
        throw new Error(
          `explorer: replay diverged at step ${depth + 1} of ${options.what} (enabled ${enabled.join(',')}, first run ${node.enabled.join(',')}): the execution is not deterministic`,
        );
      }
      const choice = node.choices[node.index] as number;
      const step = await execution.step(choice);
      if (!node.childSteps.has(choice)) node.childSteps.set(choice, step);
      // Reduction 2: the operation that just stepped was tried first; an empty last step is forced.
      if (
        !node.forced &&
        node.index === 0 &&
        choice === previous &&
        step.commands.redis + step.commands.db === 0 &&
        !execution.enabled().includes(choice)
      ) {
        node.forced = true;
        reducedBranches += node.choices.length - 1;
        node.choices = [choice];
      }
      steps.push(step);
      previous = choice;
    }
    const outcome = await execution.finish();
    schedules++;
    options.onSchedule(steps, outcome);
    if (schedules === 1) {
      const estimate = estimateSchedules(participants, steps);
      if (estimate > options.maxSchedules) throw tooLarge(options, `about ${Math.round(estimate)}`);
    }
    if (schedules > options.maxSchedules) throw tooLarge(options, 'more than that');
    while (stack.length > 0 && !advance(stack[stack.length - 1] as TreeNode)) stack.pop();
    if (stack.length === 0) return { schedules, reducedBranches };
  }
}

function newNode(enabled: number[], choices: number[]): TreeNode {
  return { enabled, choices, index: 0, childSteps: new Map(), afterFault: new Map(), forced: false };
}

/** The operation that stepped last first (reduction 2 learns from it), faults last (reduction 3 needs the others' steps). */
function orderChoices(
  enabled: number[],
  previous: number | undefined,
  isFault: (p: number) => boolean,
): number[] {
  const ops = enabled.filter((p) => !isFault(p));
  const first = previous !== undefined && ops.includes(previous) ? [previous] : [];
  return [...first, ...ops.filter((p) => p !== previous), ...enabled.filter(isFault)];
}

/**
 * The children worth running after `fault` fires at `node`: the enabled steps it does not
 * commute with, or none when nothing is left; undefined when every remaining step commutes
 * (the same states are reached with the fault later).
 */
function faultChildren(
  participants: readonly Participant[],
  node: TreeNode,
  fault: number,
): number[] | undefined {
  const spec = participants[fault] as Participant;
  const remaining = node.enabled.filter((p) => p !== fault && !spec.stops.includes(p));
  if (remaining.length === 0) return [];
  const dependent = remaining.filter((p) => {
    const step = node.childSteps.get(p);
    return step === undefined || !faultCommutes(spec, step);
  });
  return dependent.length === 0 ? undefined : dependent;
}

/**
 * Schedules implied by the first one's step counts: the multinomial, times the fault's
 * positions. Deferred work runs after its write, so it counts as more steps of that write.
 */
export function estimateSchedules(
  participants: readonly Participant[],
  steps: readonly ScheduleStep[],
): number {
  const counts = new Map<number, number>();
  for (const step of steps) {
    const participant = participants[step.participant];
    if (participant === undefined || participant.isFault) continue;
    const chain = participant.deferredOf ?? step.participant;
    counts.set(chain, (counts.get(chain) ?? 0) + 1);
  }
  let total = 0;
  let estimate = 1;
  for (const count of counts.values()) {
    for (let i = 1; i <= count; i++) estimate = (estimate * (total + i)) / i;
    total += count;
  }
  return participants.some((p) => p.isFault) ? estimate * (total + 1) : estimate;
}

function tooLarge(options: { what: string; maxSchedules: number }, count: string): ScenarioTooLarge {
  return new ScenarioTooLarge(
    `${options.what} has ${count} schedules, above the bound of ${options.maxSchedules}: use fewer operations or raise --max-schedules`,
  );
}
