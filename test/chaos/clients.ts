import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import { findFaultKind } from '../../chaos/registry.ts';
import type { Fault, FaultTarget } from '../../chaos/types.ts';
import type { Environment, HostPort } from '../../services/types.ts';

/**
 * An ioredis client as a strategy would hold one: a long-lived connection that reconnects
 * (every 50 ms) and fails commands fast instead of queueing them while disconnected.
 */
export async function redisClient(address: HostPort, commandTimeout = 1000): Promise<Redis> {
  const client = new Redis({
    lazyConnect: true,
    host: address.host,
    port: address.port,
    commandTimeout,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => 50,
  });
  // Connection errors during faults are expected; the commands report them.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** A mysql2 pool on the proxied MySQL link, as the strategies use. */
export function mysqlPool(env: Environment, connectionLimit = 1): mysql.Pool {
  const { proxied, user, password, database } = env.endpoints.mysql;
  return mysql.createPool({ ...proxied, user, password, database, connectionLimit, connectTimeout: 1000 });
}

/** Milliseconds `action` took. */
export async function timed(action: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await action();
  return performance.now() - started;
}

/** Resolves with what `action` threw, or fails when it succeeded. */
export async function failure(action: () => Promise<unknown>): Promise<Error> {
  try {
    await action();
  } catch (error: unknown) {
    return error as Error;
  }
  throw new Error('expected the command to fail');
}

/** Retries `action` until it succeeds or `timeoutMs` passes (clients reconnect after a heal). */
export async function eventually<T>(action: () => Promise<T>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await action();
    } catch (error: unknown) {
      if (Date.now() > deadline) throw error;
      await sleep(50);
    }
  }
}

/** Builds a fault of a registered kind, as the runner does for a plan entry. */
export function buildFault(
  kindName: string,
  target: FaultTarget | undefined,
  params: Record<string, unknown> = {},
  id = `${kindName}#1`,
): Fault {
  const kind = findFaultKind(kindName);
  if (kind === undefined) throw new Error(`no fault kind ${kindName}`);
  return kind.create(target, params, id);
}

/** The median of a few samples of `action`'s duration. */
export async function medianMs(action: () => Promise<unknown>, samples = 5): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) times.push(await timed(action));
  times.sort((a, b) => a - b);
  return times[Math.floor(samples / 2)] ?? Number.NaN;
}
