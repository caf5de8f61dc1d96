/**
 * An application process for `npm run races` that is SIGKILLed mid-write (forked by races.ts):
 * it builds the strategy with its own connections, holds its one write at a pause point (e.g.
 * between the MySQL commit and the cache DEL) or lets it be acknowledged, tells the parent, and
 * waits to be killed. Whatever the process held in memory (an invalidation retry queue) dies with it.
 */
import type { ServiceEndpoints } from '../../services/types.ts';
import { defaultStrategyContext } from '../../strategies/defaults.ts';
import { PauseController } from '../../strategies/pause-controller.ts';
import { findStrategy } from '../../strategies/registry.ts';
import type { ErrorPolicy, PausePoint } from '../../strategies/types.ts';

/** What the parent asks of the crash writer (then, once it is `ready`, any message: go). */
export interface CrashWriterOrder {
  endpoints: ServiceEndpoints;
  strategy: string;
  strategyOptions: Readonly<Record<string, string | number | boolean>>;
  errorPolicy?: ErrorPolicy;
  key: number;
  payload: string;
  opId: number;
  /** Hold the write at this point and report `paused`; absent: let it finish and report `acked`. */
  point?: PausePoint;
}

/** What the crash writer tells the parent: held at the point, or what went wrong. */
export type CrashWriterReport =
  | { type: 'ready' }
  | { type: 'paused' }
  | { type: 'acked'; version: number }
  | { type: 'error'; message: string };

/** How long the held write waits to be killed before it gives up (the parent kills at once). */
const HOLD_MS = 30_000;

async function play(order: CrashWriterOrder): Promise<void> {
  const entry = findStrategy(order.strategy);
  if (entry === undefined) throw new Error(`unknown strategy '${order.strategy}'`);
  const pause = new PauseController(HOLD_MS);
  const strategy = await entry.factory(
    defaultStrategyContext(order.endpoints, {
      pause: pause.hook,
      strategyOptions: order.strategyOptions,
      ...(order.errorPolicy === undefined ? {} : { errorPolicy: order.errorPolicy }),
    }),
  );
  await strategy.start?.();
  // Connected: the parent may now cut a link before the write starts.
  await new Promise<void>((resolveGo) => {
    process.once('message', () => resolveGo());
    process.send?.({ type: 'ready' } satisfies CrashWriterReport);
  });
  const payload = new TextEncoder().encode(order.payload);
  if (order.point === undefined) {
    // Acknowledged, whatever its error policy queued in this process: then killed.
    const { version } = await strategy.write(order.key, payload, order.opId);
    process.send?.({ type: 'acked', version } satisfies CrashWriterReport);
    return;
  }
  const hold = pause.holdNext(order.point, { key: order.key, opId: order.opId });
  const writing = strategy.write(order.key, payload, order.opId);
  writing.catch(() => undefined);
  await hold.reached;
  process.send?.({ type: 'paused' } satisfies CrashWriterReport);
}

process.once('message', (order: CrashWriterOrder) => {
  play(order).catch((error: unknown) =>
    process.send?.({ type: 'error', message: String(error) } satisfies CrashWriterReport),
  );
});
// The harness is gone: an application process never outlives it.
process.on('disconnect', () => process.exit(0));
