import { Toxiproxy } from 'toxiproxy-node-client';
import { processState } from '../services/processes.ts';
import type { Environment } from '../services/types.ts';
import { proxyName, readProxy, removeAllToxics, setProxyEnabled } from './toxiproxy.ts';
import type { FaultContext, FaultTarget } from './types.ts';

const TARGETS: readonly FaultTarget[] = ['redis', 'mysql'];

/** Creates the fault context of an environment. */
export function faultContext(env: Environment): FaultContext {
  return { env, toxiproxy: new Toxiproxy(env.endpoints.toxiproxy.url) };
}

/**
 * Lists whatever faults left behind, one line each: toxics still on a proxy, a disabled proxy,
 * a server process that is missing or stopped (SIGSTOP). Empty when the environment is healthy.
 */
export async function residualFaults(env: Environment): Promise<string[]> {
  const { toxiproxy } = faultContext(env);
  const residue: string[] = [];
  for (const target of TARGETS) {
    const name = proxyName(env, target);
    const proxy = await readProxy(toxiproxy, name);
    if (!proxy.enabled) residue.push(`proxy ${name} is disabled`);
    for (const toxic of proxy.toxics) {
      residue.push(`toxic ${toxic.name} (${toxic.type}, ${toxic.stream}) is still on proxy ${name}`);
    }
  }
  if (env.processes !== undefined) {
    const pids = env.processes.pids();
    for (const [label, pid] of [
      ['redis-server', pids.redis],
      ['mariadbd', pids.mysql],
    ] as const) {
      if (pid === undefined) {
        residue.push(`${label} is not running`);
        continue;
      }
      const state = processState(pid);
      if (state === 'T' || state === 't') residue.push(`${label} (pid ${pid}) is stopped`);
    }
  }
  return residue;
}

/** Throws an Error listing {@link residualFaults} when there are any. */
export async function assertHealthy(env: Environment): Promise<void> {
  const residue = await residualFaults(env);
  if (residue.length > 0) throw new Error(`faults left behind: ${residue.join('; ')}`);
}

/**
 * Puts the environment back whatever happened: removes every toxic from both proxies, enables
 * them, resumes stopped servers and restarts a killed Redis or MariaDB. The runner's last step of `healAll`.
 */
export async function healEverything(ctx: FaultContext): Promise<void> {
  for (const target of TARGETS) {
    const name = proxyName(ctx.env, target);
    await removeAllToxics(ctx.toxiproxy, name);
    await setProxyEnabled(ctx.toxiproxy, name, true);
  }
  const processes = ctx.env.processes;
  if (processes === undefined) return;
  const pids = processes.pids();
  if (pids.redis === undefined) await processes.restartRedis();
  else await processes.resumeRedis();
  if (pids.mysql === undefined) await processes.restartMysql();
  else await processes.resumeMysql();
}
