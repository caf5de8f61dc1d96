import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Asks the kernel for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * `count` distinct free ports on 127.0.0.1: every one is held open until all are found, so the
 * kernel cannot hand the same port out twice (as separate {@link freePort} calls can, once the
 * first probe is closed).
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: ReturnType<typeof createServer>[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createServer();
      server.unref();
      servers.push(server);
      ports.push(
        await new Promise<number>((resolvePort, reject) => {
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => {
            const address = server.address();
            resolvePort(typeof address === 'object' && address !== null ? address.port : 0);
          });
        }),
      );
    }
    return ports;
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((done) => server.close(() => done()))));
  }
}

/** A server process the environment owns, with its output going to a log file. */
export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logFile: string;
  /** Resolves when the process has exited (immediately if it already has). */
  exited(): Promise<void>;
  isRunning(): boolean;
}

/**
 * Spawns a server in its own process group (so a Ctrl-C at the terminal reaches the harness,
 * which then stops services in order, not the servers directly), logging to `logFile`.
 */
export function spawnServer(name: string, binary: string, args: string[], logFile: string): ManagedProcess {
  const fd = openSync(logFile, 'a');
  const child = spawn(binary, args, { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let running = child.pid !== undefined;
  const exit = new Promise<void>((resolveExit) => {
    child.once('exit', () => {
      running = false;
      resolveExit();
    });
    child.once('error', () => {
      running = false;
      resolveExit();
    });
  });
  return { name, child, logFile, exited: () => exit, isRunning: () => running };
}

/** Sends SIGKILL (after SIGCONT, in case it is paused) and waits for the exit, bounded. */
export async function killAndWait(process_: ManagedProcess, timeoutMs = 5000): Promise<void> {
  const pid = process_.child.pid;
  if (pid === undefined || !process_.isRunning()) return;
  signalQuietly(pid, 'SIGCONT');
  signalQuietly(pid, 'SIGKILL');
  // The bound's timer is cleared once the process has exited: a pending one would keep the
  // event loop, and so the harness, alive for `timeoutMs` after its work is done.
  const bound = new AbortController();
  await Promise.race([
    process_.exited(),
    sleep(timeoutMs, undefined, { signal: bound.signal }).catch(() => undefined),
  ]);
  bound.abort();
}

/** Sends a signal; a process that is already gone is not an error. */
export function signalQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/**
 * True while a process with this PID exists and runs: a zombie (exited, not yet reaped by its
 * parent) still answers `kill -0` but is gone for every purpose here, which /proc tells.
 */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error: unknown) {
    // EPERM: it exists, owned by someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return processState(pid) !== 'Z';
}

/**
 * Polls `probe` until it resolves true or `timeoutMs` passes; throws a message naming what was
 * waited for, for how long, and where the server's log is.
 */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  owner?: ManagedProcess,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 10;
  while (Date.now() < deadline) {
    if (owner !== undefined && !owner.isRunning()) {
      throw new Error(`${what}: ${owner.name} exited during start-up; see ${owner.logFile}`);
    }
    if (await probe().catch(() => false)) return;
    await sleep(delay);
    delay = Math.min(delay * 2, 100);
  }
  const log = owner === undefined ? '' : `; see ${owner.logFile}`;
  throw new Error(`${what} not ready after ${timeoutMs}ms${log}`);
}

/** Sends PING over a raw socket and resolves true on +PONG. */
export function redisPing(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolvePing) => {
    const socket = connect({ host, port });
    let answer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolvePing(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
  });
}

/**
 * Sends one inline command to the Redis server at host:port and resolves with its one-line
 * reply; rejects on an error reply, a closed socket or after `timeoutMs`.
 */
export function redisCommand(
  host: string,
  port: number,
  command: string,
  timeoutMs = 30_000,
): Promise<string> {
  return new Promise((resolveReply, rejectReply) => {
    const socket = connect({ host, port });
    let answer = '';
    const fail = (why: string) => {
      socket.destroy();
      rejectReply(new Error(`redis ${command} on ${host}:${port}: ${why}`));
    };
    socket.setTimeout(timeoutMs, () => fail(`no answer after ${timeoutMs}ms`));
    socket.once('error', (error) => fail(error.message));
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      const end = answer.indexOf('\r\n');
      if (end < 0) return;
      const line = answer.slice(0, end);
      if (line.startsWith('-')) return fail(line.slice(1));
      socket.destroy();
      resolveReply(line);
    });
  });
}

/**
 * Starts a detached watchdog that kills every PID listed in `pidFile` and removes `dir` when
 * the harness process disappears (SIGKILL, crash, an unhandled Ctrl-C): no orphan servers.
 * It exits by itself once `dir` is removed by a normal stop.
 */
export function startReaper(pidFile: string, dir: string): ChildProcess {
  writeFileSync(pidFile, '');
  const script = [
    'parent="$1"; pidfile="$2"; dir="$3"',
    // A killed harness whose own parent does not reap it stays a zombie, which kill -0 still
    // finds: /proc/PID/stat's state (the field after the command name) tells it apart.
    'alive() { kill -0 "$1" 2>/dev/null || return 1; [ -r "/proc/$1/stat" ] || return 0; s=$(sed "s/.*) //" "/proc/$1/stat" 2>/dev/null | cut -c1); [ "$s" != Z ]; }',
    'while alive "$parent" && [ -d "$dir" ]; do sleep 0.2; done',
    '[ -d "$dir" ] || exit 0',
    'for p in $(cat "$pidfile" 2>/dev/null); do kill -CONT "$p" 2>/dev/null; kill -KILL "$p" 2>/dev/null; done',
    'sleep 0.2; rm -rf "$dir"',
  ].join('\n');
  const reaper = spawn('sh', ['-c', script, 'cacheproof-reaper', String(process.pid), pidFile, dir], {
    detached: true,
    stdio: 'ignore',
  });
  reaper.unref();
  return reaper;
}

/**
 * The one-letter scheduler state in a /proc stat file (`T` stopped, `t` stopped by a tracer,
 * `Z` zombie), or undefined when the process is gone or there is no /proc.
 */
function statState(statFile: string): string | undefined {
  try {
    const stat = readFileSync(statFile, 'latin1');
    // The command name in parentheses may itself contain spaces or parentheses.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

/**
 * Sends SIGSTOP or SIGCONT and waits (bounded) until every thread of the process is stopped
 * or running again, so a pause has taken effect when this returns: a multi-threaded server
 * can otherwise still answer a request that arrives in the microseconds after the signal.
 * Where /proc is missing (not Linux) it only sends the signal.
 */
export async function setStopped(pid: number, stopped: boolean, timeoutMs = 2000): Promise<void> {
  signalQuietly(pid, stopped ? 'SIGSTOP' : 'SIGCONT');
  let threads: string[];
  try {
    threads = readdirSync(`/proc/${pid}/task`);
  } catch {
    return;
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = threads.map((tid) => statState(`/proc/${pid}/task/${tid}/stat`));
    const settled = states.every((state) => state === undefined || (state === 'T') === stopped);
    if (settled) return;
    if (Date.now() > deadline) {
      throw new Error(`PID ${pid} is not ${stopped ? 'stopped' : 'running'} ${timeoutMs}ms after the signal`);
    }
    await sleep(1);
  }
}

/** The scheduler state letter of a process (`T` = stopped by SIGSTOP), or undefined when it is gone. */
export function processState(pid: number): string | undefined {
  return statState(`/proc/${pid}/stat`);
}
