import type { Redis } from 'ioredis';

/** How often the counts are read during the window, so a Redis restart loses at most this much. */
export const COMMAND_SAMPLE_INTERVAL_MS = 1000;

/** What `cache.commands` holds, with how it was measured. */
export interface RedisCommandCounts {
  /** Calls per command (lower-case, subcommands as `client|setname`), the harness's own subtracted; zeros left out. */
  commands: Record<string, number>;
  /** One line: the source, the nodes, what was subtracted, restarts seen. */
  measuredBy: string;
}

/** One reading of a node: its run id (a restart changes it) and the calls per command since it started. */
interface Reading {
  runId: string;
  calls: Map<string, number>;
}

/** `INFO server commandstats` as a reading; undefined when the text has no run id. */
export function parseCommandStats(info: string): Reading | undefined {
  const runId = /^run_id:(\S+)/m.exec(info)?.[1];
  if (runId === undefined) return undefined;
  const calls = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    calls.set((match[1] as string).toLowerCase(), Number(match[2]));
  }
  return { runId, calls };
}

/** Adds `after - before` per command to `into`; a node that restarted in between counts from zero. */
export function addDelta(into: Map<string, number>, before: Reading, after: Reading): boolean {
  const restarted = before.runId !== after.runId;
  for (const [name, calls] of after.calls) {
    const since = restarted ? calls : calls - (before.calls.get(name) ?? 0);
    if (since > 0) into.set(name, (into.get(name) ?? 0) + since);
  }
  return restarted;
}

/** The commands a Redis client sent while counting and that got a reply, by command name. */
class ClientTally {
  readonly calls = new Map<string, number>();
  counting = false;
  private readonly original: Redis['sendCommand'];

  constructor(private readonly client: Redis) {
    this.original = client.sendCommand.bind(client);
    const tally = this;
    client.sendCommand = function (this: Redis, command, ...rest) {
      const sent = tally.original(command, ...rest);
      if (tally.counting) {
        const name = command.name.toLowerCase();
        command.promise.then(
          // Sent in the window: Redis ran it before the last reading, even when its reply comes after.
          () => tally.calls.set(name, (tally.calls.get(name) ?? 0) + 1),
          () => undefined,
        );
      }
      return sent;
    } as Redis['sendCommand'];
  }

  restore(): void {
    this.client.sendCommand = this.original;
  }
}

/**
 * Counts the commands Redis itself executed over the measured window, per command, from
 * `INFO commandstats` on each node: read when the window starts, every
 * {@link COMMAND_SAMPLE_INTERVAL_MS} and when it ends, summing the differences (a node that
 * restarted counts from zero after its restart: what it ran between the last reading and
 * the crash is missing, and the line says so). The harness's own commands are subtracted:
 * those on `harness` (the probes), counted on the client when sent in the window and answered, and these
 * readings' own INFO calls, so what remains is the system under test's: the strategy, its background
 * work, the workers. Commands a Lua script calls count as Redis counts them: the script's
 * EVALSHA and each command it runs.
 */
export class RedisCommandCounter {
  private readonly tally: ClientTally;
  private readonly last: (Reading | undefined)[];
  private readonly totals = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private sampling: Promise<void> = Promise.resolve();
  private restarts = 0;
  private unread = 0;
  /** Readings of the counter's own that the totals include (each reading's INFO shows in the next one of the same server). */
  private ownReadings = 0;
  private started = false;
  private stopped: Promise<void> | undefined;

  /**
   * `nodes`: one connection of the counter's own per Redis node (it only reads INFO on them);
   * `harness`: the harness's connection whose commands are not the system's (the probes').
   */
  constructor(
    private readonly nodes: readonly Redis[],
    harness: Redis,
  ) {
    this.last = nodes.map(() => undefined);
    this.tally = new ClientTally(harness);
  }

  /** The window starts: the first reading, then one every interval. */
  start(): void {
    this.started = true;
    this.tally.counting = true;
    this.sample();
    this.timer = setInterval(() => this.sample(), COMMAND_SAMPLE_INTERVAL_MS);
    this.timer.unref();
  }

  /** The window ends: the last reading (the harness's count stops as it is sent). */
  stop(): void {
    if (!this.started || this.stopped !== undefined) return;
    clearInterval(this.timer);
    this.sample(true);
    this.stopped = this.sampling;
  }

  /** The counts, once the last reading is in; undefined when the window never started or no node was read twice. */
  async finish(): Promise<RedisCommandCounts | undefined> {
    this.stop();
    await this.stopped;
    this.tally.restore();
    if (!this.started || this.last.some((reading) => reading === undefined)) return undefined;
    const commands: Record<string, number> = {};
    let subtracted = 0;
    const harness = new Map(this.tally.calls);
    harness.set('info', (harness.get('info') ?? 0) + this.ownReadings);
    for (const [name, calls] of [...this.totals].sort(([a], [b]) => a.localeCompare(b))) {
      const own = Math.min(calls, harness.get(name) ?? 0);
      subtracted += own;
      if (calls - own > 0) commands[name] = calls - own;
    }
    const parts = [
      `INFO commandstats on ${this.nodes.length} node${this.nodes.length === 1 ? '' : 's'}, read every ${COMMAND_SAMPLE_INTERVAL_MS / 1000}s`,
      `${subtracted} harness commands subtracted`,
    ];
    if (this.restarts > 0) {
      parts.push(
        `${this.restarts} restart${this.restarts === 1 ? '' : 's'} seen: commands between the last reading and a crash are missing`,
      );
    }
    if (this.unread > 0) parts.push(`${this.unread} readings failed`);
    return { commands, measuredBy: parts.join('; ') };
  }

  /**
   * One reading of every node, after the previous one (readings never overlap). The last one
   * stops the harness's count as it is sent: a probe whose timer fired late, after the load
   * stopped but before this reading, ran inside the window and is still subtracted.
   */
  private sample(last = false): void {
    this.sampling = this.sampling.then(() => {
      if (last) this.tally.counting = false;
      return Promise.all(
        this.nodes.map(async (node, i) => {
          let reading: Reading | undefined;
          try {
            reading = parseCommandStats(await node.info('server', 'commandstats'));
          } catch {
            reading = undefined;
          }
          if (reading === undefined) {
            this.unread++;
            return;
          }
          const before = this.last[i];
          if (before !== undefined) {
            if (addDelta(this.totals, before, reading)) this.restarts++;
            else this.ownReadings++;
          }
          this.last[i] = reading;
        }),
      ).then(() => undefined);
    });
  }
}
