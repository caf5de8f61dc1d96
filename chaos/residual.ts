import { Toxiproxy } from 'toxiproxy-node-client';
import { processState } from '../services/processes.ts';
import type { Environment, InvalidatorControl } from '../services/types.ts';
import { allProxyNames, readProxy, removeAllToxics, setProxyEnabled } from './toxiproxy.ts';
import type { AppProcessControl, FaultContext } from './types.ts';

/** Creates the fault context of an environment (and of the application's worker processes and the run's CDC invalidators, when it has them). */
export function faultContext(
  env: Environment,
  app?: AppProcessControl,
  invalidators: readonly InvalidatorControl[] = [],
): FaultContext {
  return {
    env,
    toxiproxy: new Toxiproxy(env.endpoints.toxiproxy.url),
    invalidators,
    ...(app === undefined ? {} : { app }),
  };
}

/**
 * Lists whatever faults left behind, one line each: toxics still on a proxy (the replication
 * link's included), a disabled proxy, a server process that is missing or stopped (SIGSTOP), a
 * replica that does not replicate, an application worker killed and not replaced, a CDC
 * invalidator left crashed. Empty when the environment is healthy.
 */
export async function residualFaults(
  env: Environment,
  app?: AppProcessControl,
  invalidators: readonly InvalidatorControl[] = [],
): Promise<string[]> {
  const { toxiproxy } = faultContext(env);
  const residue: string[] = [];
  for (const slot of app?.crashedSlots() ?? []) {
    residue.push(`application worker ${slot} was killed and not replaced`);
  }
  if (invalidators.some((invalidator) => invalidator.crashed))
    residue.push('the CDC invalidator is crashed (not restarted)');
  for (const name of allProxyNames(env)) {
    const proxy = await readProxy(toxiproxy, name);
    if (!proxy.enabled) residue.push(`proxy ${name} is disabled`);
    for (const toxic of proxy.toxics) {
      residue.push(`toxic ${toxic.name} (${toxic.type}, ${toxic.stream}) is still on proxy ${name}`);
    }
  }
  if (env.processes !== undefined) {
    const pids = env.processes.pids();
    const servers: [string, number | undefined][] = [
      ...(env.cluster === undefined ? [['redis-server', pids.redis] as [string, number | undefined]] : []),
      ...(env.cluster?.pids() ?? []).map(
        (pid, index) => [`redis-server (cluster node ${index})`, pid] as [string, number | undefined],
      ),
      ['mariadbd', pids.mysql],
    ];
    if ('mysqlReplica' in pids) servers.push(['mariadbd (replica)', pids.mysqlReplica]);
    for (const [label, pid] of servers) {
      if (pid === undefined) {
        residue.push(`${label} is not running`);
        continue;
      }
      const state = processState(pid);
      if (state === 'T' || state === 't') residue.push(`${label} (pid ${pid}) is stopped`);
    }
  }
  const cluster = env.cluster;
  if (cluster?.pids().every((pid) => pid !== undefined)) {
    const roles = await cluster.roles();
    const masters = roles.filter((node) => node.role === 'master').length;
    const unlinked = roles
      .filter((node) => node.role === 'replica' && !node.linkUp)
      .map((node) => node.index);
    if (masters !== roles.length / 2)
      residue.push(`the Redis Cluster has ${masters} masters, not ${roles.length / 2}`);
    if (unlinked.length > 0) residue.push(`cluster replica(s) ${unlinked.join(', ')} not linked to a master`);
  }
  if (env.replica !== undefined) {
    const status = await env.replica.status();
    // `Connecting` is the I/O thread's retry after a restarted primary, not a residue.
    if (status.ioRunning === 'No')
      residue.push(`the replica's I/O thread is stopped${because(status.lastError)}`);
    if (!status.sqlRunning) residue.push(`the replica's SQL thread is stopped${because(status.lastError)}`);
  }
  return residue;
}

function because(error: string): string {
  return error === '' ? '' : ` (${error})`;
}

/** Throws an Error listing {@link residualFaults} when there are any. */
export async function assertHealthy(env: Environment): Promise<void> {
  const residue = await residualFaults(env);
  if (residue.length > 0) throw new Error(`faults left behind: ${residue.join('; ')}`);
}

/**
 * Puts the environment back whatever happened: removes every toxic from every proxy, enables
 * them, resumes stopped servers, restarts a killed Redis or MariaDB, starts the replica's
 * replication threads again, replaces killed application workers and restarts a crashed CDC
 * invalidator. The runner's last step of `healAll`.
 */
export async function healEverything(ctx: FaultContext): Promise<void> {
  if (ctx.app !== undefined && ctx.app.crashedSlots().length > 0) await ctx.app.replaceCrashed();
  for (const name of allProxyNames(ctx.env)) {
    await removeAllToxics(ctx.toxiproxy, name);
    await setProxyEnabled(ctx.toxiproxy, name, true);
  }
  const processes = ctx.env.processes;
  if (processes !== undefined) {
    const pids = processes.pids();
    const cluster = ctx.env.cluster;
    if (cluster !== undefined) {
      const down = cluster.pids().flatMap((pid, index) => (pid === undefined ? [index] : []));
      for (const index of down) await cluster.restartNode(index);
      await cluster.waitHealthy(30_000);
    } else if (pids.redis === undefined) await processes.restartRedis();
    else await processes.resumeRedis();
    if (pids.mysql === undefined) await processes.restartMysql();
    else await processes.resumeMysql();
  }
  const replica = ctx.env.replica;
  if (replica !== undefined) {
    const status = await replica.status();
    if (status.ioRunning === 'No' || !status.sqlRunning) await replica.startReplication();
  }
  // After the links: a restarted invalidator reconnects through them.
  for (const invalidator of ctx.invalidators) if (invalidator.crashed) await invalidator.restart();
}
