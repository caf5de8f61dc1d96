import { ConfigurationError } from '../kernel/index.ts';
import type { InvalidatorControl } from '../services/types.ts';
import { choiceParam } from './params.ts';
import type { FaultContext } from './types.ts';

/** The invalidator's two links: its binlog/MySQL connection and its Redis connection. */
export type InvalidatorLink = 'mysql' | 'redis';

/** The `link` parameter of the invalidator's network faults. */
export const linkParam = choiceParam(
  "the invalidator's link: 'mysql' (its binlog stream and position queries) or 'redis' (its cache deletes and sets)",
  'mysql' as InvalidatorLink,
  ['mysql', 'redis'],
);

/** The Toxiproxy proxy of one of the invalidator's links; throws when the environment has none. */
export function invalidatorProxy(ctx: FaultContext, link: InvalidatorLink): string {
  const proxies = ctx.env.endpoints.toxiproxy.proxies;
  const name = link === 'mysql' ? proxies.invalidatorMysql : proxies.invalidatorRedis;
  if (name === undefined) {
    throw new ConfigurationError(
      `the ${ctx.env.kind} environment has no proxy for the CDC invalidator's ${link} link (--env local has one)`,
    );
  }
  return name;
}

/** The run's invalidators; throws when there is none to act on. */
export function invalidatorsOf(ctx: FaultContext, faultName: string): readonly InvalidatorControl[] {
  if (ctx.invalidators.length === 0) {
    throw new ConfigurationError(
      `${faultName}: this run has no CDC invalidator in the harness's process (--strategy cdc-invalidate)`,
    );
  }
  return ctx.invalidators;
}
