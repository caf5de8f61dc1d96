import type { DeferredWork } from './types.ts';

/**
 * {@link DeferredWork} on timers of this process: a task runs `delayMs` after it was
 * scheduled; `dropPending()` clears the timers that have not fired (a process that stops
 * loses them, as a crash would). A task's failure settles its promise; nobody waits for it.
 */
export function timerDeferredWork(): DeferredWork {
  const pending = new Map<NodeJS.Timeout, () => void>();
  return {
    after(delayMs, task) {
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(timer);
          task().then(resolve, () => resolve());
        }, delayMs);
        pending.set(timer, resolve);
      });
    },
    dropPending() {
      for (const [timer, resolve] of pending) {
        clearTimeout(timer);
        resolve();
      }
      pending.clear();
    },
  };
}
