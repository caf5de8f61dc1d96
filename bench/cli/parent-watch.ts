/**
 * Calls `onGone` once when the process that started this one exits (the harness is then
 * re-parented, and `process.ppid` changes). `npm run bench` runs the harness under npm and a
 * shell: a signal that reaches only those, or a parent killed outright, would otherwise leave
 * the run going to its end with nobody to read it. Polls every `intervalMs` on an unref'd
 * timer, so it never keeps the process alive; returns a function that stops watching.
 */
export function watchParent(onGone: () => void, intervalMs = 500): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
