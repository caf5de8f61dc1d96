import type { ToxicDirection, ToxicType, Toxiproxy } from 'toxiproxy-node-client';
import { HARNESS_TOXIC_PREFIX } from '../services/toxiproxy-leftovers.ts';
import type { Environment } from '../services/types.ts';
import type { FaultContext, FaultDirection, FaultTarget } from './types.ts';

/** A toxic as Toxiproxy's API lists it. */
export interface ToxicState {
  name: string;
  type: string;
  stream: ToxicDirection;
  toxicity: number;
  attributes: Record<string, unknown>;
}

/** A proxy as Toxiproxy's API lists it. */
export interface ProxyState {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: ToxicState[];
}

/** The Toxiproxy proxy name of a target's link in this environment; throws when the topology has no such link. */
export function proxyName(env: Environment, target: FaultTarget): string {
  const name =
    target === 'app' || target === 'invalidator' ? undefined : env.endpoints.toxiproxy.proxies[target];
  if (name === undefined)
    throw new Error(`the environment has no ${target} link (its topology: ${env.topology.db})`);
  return name;
}

/**
 * The proxies a fault on `target` acts on: one, or for `redis` in the `cluster` topology the
 * proxy of every node (a latency or a partition of "the Redis link" reaches every slot).
 */
export function proxyNames(env: Environment, target: FaultTarget): string[] {
  const nodes = env.endpoints.toxiproxy.proxies.redisNodes;
  return target === 'redis' && nodes !== undefined ? [...nodes] : [proxyName(env, target)];
}

/** Every proxy of the environment's topology: the Redis and MySQL links, the replica's two when it has one, each cluster node's. */
export function allProxyNames(env: Environment): string[] {
  const { redisNodes, ...links } = env.endpoints.toxiproxy.proxies;
  const names = Object.values(links).filter((name): name is string => name !== undefined);
  return [...new Set([...names, ...(redisNodes ?? [])])];
}

function proxyUrl(toxiproxy: Toxiproxy, name: string): string {
  return `${toxiproxy.host}/proxies/${encodeURIComponent(name)}`;
}

/** Reads a proxy's state, toxics included (the client's `Proxy` object drops them). */
export async function readProxy(toxiproxy: Toxiproxy, name: string): Promise<ProxyState> {
  const response = await toxiproxy.getApi().get<ProxyState>(proxyUrl(toxiproxy, name));
  return response.data;
}

/** Enables or disables a proxy; disabling closes its connections and refuses new ones. */
export async function setProxyEnabled(toxiproxy: Toxiproxy, name: string, enabled: boolean): Promise<void> {
  const proxy = await toxiproxy.get(name);
  if (proxy.enabled === enabled) return;
  await proxy.update({ enabled, listen: proxy.listen, upstream: proxy.upstream });
}

/** The toxic streams a direction stands for. */
export function streamsOf(direction: FaultDirection): ToxicDirection[] {
  return direction === 'both' ? ['upstream', 'downstream'] : [direction];
}

/**
 * Toxic names must be URL path segments: `redis-latency#1` becomes `cacheproof-redis-latency-1-upstream`.
 * The prefix is how a later run recognises toxics a killed run left (services/toxiproxy-leftovers.ts).
 */
export function toxicName(faultId: string, stream: ToxicDirection): string {
  return `${HARNESS_TOXIC_PREFIX}${faultId.replace(/[^A-Za-z0-9_-]/g, '-')}-${stream}`;
}

/** What a toxic fault adds to one proxy. */
export interface ToxicSpec {
  type: ToxicType;
  attributes: Record<string, number>;
  direction: FaultDirection;
  toxicity: number;
}

/**
 * Adds one toxic per stream. Toxiproxy evaluates a new toxic on the connections already open
 * too (each connection's toxic chain is rebuilt when a toxic is added or removed), so pooled
 * connections are reached without reconnecting; `toxicity` picks connections, not commands.
 */
export async function addToxics(
  ctx: FaultContext,
  target: FaultTarget,
  faultId: string,
  spec: ToxicSpec,
): Promise<void> {
  for (const name of proxyNames(ctx.env, target)) await addToxicsTo(ctx, name, faultId, spec);
}

/** {@link addToxics} on the proxy called `name`. */
export async function addToxicsTo(
  ctx: FaultContext,
  name: string,
  faultId: string,
  spec: ToxicSpec,
): Promise<void> {
  const proxy = await ctx.toxiproxy.get(name);
  for (const stream of streamsOf(spec.direction)) {
    await proxy.addToxic({
      name: toxicName(faultId, stream),
      type: spec.type,
      stream,
      toxicity: spec.toxicity,
      attributes: spec.attributes,
    });
  }
}

/** Removes this fault's toxics that are present; a toxic never added (failed start) is skipped. */
export async function removeToxics(ctx: FaultContext, target: FaultTarget, faultId: string): Promise<void> {
  for (const name of proxyNames(ctx.env, target)) await removeToxicsFrom(ctx, name, faultId);
}

/** {@link removeToxics} on the proxy called `name`. */
export async function removeToxicsFrom(ctx: FaultContext, name: string, faultId: string): Promise<void> {
  const ours = new Set<string>([toxicName(faultId, 'upstream'), toxicName(faultId, 'downstream')]);
  const proxy = await readProxy(ctx.toxiproxy, name);
  for (const toxic of proxy.toxics) {
    if (ours.has(toxic.name)) {
      await ctx.toxiproxy
        .getApi()
        .delete(`${proxyUrl(ctx.toxiproxy, name)}/toxics/${encodeURIComponent(toxic.name)}`);
    }
  }
}

/** Removes every toxic from a proxy (the final sweep after a run). */
export async function removeAllToxics(toxiproxy: Toxiproxy, name: string): Promise<void> {
  const proxy = await readProxy(toxiproxy, name);
  for (const toxic of proxy.toxics) {
    await toxiproxy.getApi().delete(`${proxyUrl(toxiproxy, name)}/toxics/${encodeURIComponent(toxic.name)}`);
  }
}
