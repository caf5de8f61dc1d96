import type { TracedStep } from '../../checker/types.ts';
import { STEP_KINDS, type StepEvent, type StepKind, type StepTracer } from '../../strategies/types.ts';

const STEP_CODE = new Map<StepKind, number>(STEP_KINDS.map((kind, code) => [kind, code]));

/** Default ring size: about 7 MB, roughly the last 260 000 steps. */
export const DEFAULT_STEP_CAPACITY = 1 << 18;
/** Key spaces up to this size are traced in full; larger ones are sampled down to about this many keys. */
export const FULLY_TRACED_KEYS = 16_384;

/**
 * A step tracer that keeps the most recent steps of a sampled subset of keys in a ring
 * of typed arrays, so tracing costs a few stores per step and bounded memory. Off until
 * {@link start} (warm-up steps are not kept).
 */
export class StepRing implements StepTracer {
  private readonly step: Uint8Array;
  private readonly key: Uint32Array;
  private readonly version: Float64Array;
  private readonly at: Float64Array;
  private readonly opId: Float64Array;
  private readonly mask: number;
  private next = 0;
  private stored = 0;
  private active = false;

  /** Traces keys where `key & sampleMask === 0`; {@link sampleMaskFor} picks the mask for a key count. */
  constructor(
    private readonly capacity = DEFAULT_STEP_CAPACITY,
    sampleMask = 0,
  ) {
    this.step = new Uint8Array(capacity);
    this.key = new Uint32Array(capacity);
    this.version = new Float64Array(capacity);
    this.at = new Float64Array(capacity);
    this.opId = new Float64Array(capacity);
    this.mask = sampleMask;
  }

  /** Clears what was kept and starts keeping steps. */
  start(): void {
    this.next = 0;
    this.stored = 0;
    this.active = true;
  }

  /** Stops keeping steps. */
  stop(): void {
    this.active = false;
  }

  wants(key: number): boolean {
    return this.active && (key & this.mask) === 0;
  }

  record(event: StepEvent): void {
    if (!this.active) return;
    const i = this.next;
    this.step[i] = STEP_CODE.get(event.step) ?? 0;
    this.key[i] = event.key;
    this.version[i] = event.version;
    this.at[i] = event.at;
    this.opId[i] = event.opId;
    this.next = i + 1 === this.capacity ? 0 : i + 1;
    if (this.stored < this.capacity) this.stored++;
  }

  /** The kept steps, oldest first. */
  toSteps(): TracedStep[] {
    const steps: TracedStep[] = [];
    const first = this.stored < this.capacity ? 0 : this.next;
    for (let n = 0; n < this.stored; n++) {
      const i = (first + n) % this.capacity;
      steps.push({
        step: STEP_KINDS[this.step[i] ?? 0] ?? 'cache-get-hit',
        key: this.key[i] ?? 0,
        version: this.version[i] ?? -1,
        at: this.at[i] ?? 0,
        opId: this.opId[i] ?? -1,
      });
    }
    return steps;
  }
}

/** The sampling mask that traces every key up to {@link FULLY_TRACED_KEYS}, and about that many beyond. */
export function sampleMaskFor(keys: number): number {
  let stride = 1;
  while (keys / stride > FULLY_TRACED_KEYS) stride *= 2;
  return stride - 1;
}
