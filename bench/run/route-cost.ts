import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import type { RouteCost, RouteLinkCost } from '../../reports/types.ts';
import type { HostPort, ServiceEndpoints } from '../../services/types.ts';

/** Round trips per link and route: enough for a p99 that is not the maximum, in ~0.2 s on loopback. */
export const ROUTE_SAMPLES = 200;
/** Round trips first thrown away per connection (connection set-up, first-query plans). */
const WARM_ROUND_TRIPS = 10;

/**
 * What Toxiproxy adds to a round trip, measured before the load: `samples` Redis PINGs and
 * MySQL `SELECT 1`s on fresh connections, direct and proxied alternating one by one (so a
 * burst of load from elsewhere on the machine hits both alike). Added = proxied − direct, of
 * the medians and of the p99s. Both connections are closed afterwards.
 */
export async function measureRouteCost(
  endpoints: ServiceEndpoints,
  samples = ROUTE_SAMPLES,
): Promise<{ redis: RouteLinkCost; mysql: RouteLinkCost; samples: number }> {
  const redis = await pairedRoundTrips(
    endpoints.redis.direct,
    endpoints.redis.proxied,
    samples,
    async (address) => {
      const client = new Redis({
        host: address.host,
        port: address.port,
        db: endpoints.redis.db,
        lazyConnect: true,
        connectTimeout: 5000,
        maxRetriesPerRequest: 1,
      });
      await client.connect();
      return {
        roundTrip: async () => void (await client.ping()),
        close: () => client.disconnect(),
      };
    },
  );
  const mysqlCost = await pairedRoundTrips(
    endpoints.mysql.direct,
    endpoints.mysql.proxied,
    samples,
    async (address) => {
      const connection = await mysql.createConnection({
        host: address.host,
        port: address.port,
        user: endpoints.mysql.user,
        password: endpoints.mysql.password,
        database: endpoints.mysql.database,
        connectTimeout: 5000,
      });
      return {
        roundTrip: async () => void (await connection.query('SELECT 1')),
        close: () => connection.destroy(),
      };
    },
  );
  return { redis, mysql: mysqlCost, samples };
}

interface RoundTripper {
  roundTrip(): Promise<void>;
  close(): void;
}

async function pairedRoundTrips(
  direct: HostPort,
  proxied: HostPort,
  samples: number,
  open: (address: HostPort) => Promise<RoundTripper>,
): Promise<RouteLinkCost> {
  const directClient = await open(direct);
  let proxiedClient: RoundTripper | undefined;
  try {
    proxiedClient = await open(proxied);
    const directMs: number[] = [];
    const proxiedMs: number[] = [];
    for (let i = 0; i < WARM_ROUND_TRIPS + samples; i++) {
      const d = await timed(directClient);
      const p = await timed(proxiedClient);
      if (i < WARM_ROUND_TRIPS) continue;
      directMs.push(d);
      proxiedMs.push(p);
    }
    return routeLinkCost(directMs, proxiedMs);
  } finally {
    directClient.close();
    proxiedClient?.close();
  }
}

async function timed(client: RoundTripper): Promise<number> {
  const started = performance.now();
  await client.roundTrip();
  return performance.now() - started;
}

/** Medians and p99s of both routes' round trips and what the proxy adds to each (ms, 3 decimals). */
export function routeLinkCost(directMs: readonly number[], proxiedMs: readonly number[]): RouteLinkCost {
  const direct = { p50: quantile(directMs, 0.5), p99: quantile(directMs, 0.99) };
  const proxied = { p50: quantile(proxiedMs, 0.5), p99: quantile(proxiedMs, 0.99) };
  return {
    directMs: { p50: round3(direct.p50), p99: round3(direct.p99) },
    proxiedMs: { p50: round3(proxied.p50), p99: round3(proxied.p99) },
    addedMs: { p50: round3(proxied.p50 - direct.p50), p99: round3(proxied.p99 - direct.p99) },
  };
}

/** The route of a run, and what the proxy cost when it was measured. */
export function routeOf(
  viaProxy: boolean,
  cost: { redis: RouteLinkCost; mysql: RouteLinkCost; samples: number } | undefined,
): RouteCost {
  return cost === undefined
    ? { viaProxy }
    : { viaProxy, samples: cost.samples, proxyAddedMs: { redis: cost.redis, mysql: cost.mysql } };
}

/** The q-quantile by the nearest-rank method (q in (0, 1]); 0 for no values. */
function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
