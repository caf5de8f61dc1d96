import type { Toxiproxy } from 'toxiproxy-node-client';

/** Every toxic the harness adds is named `cacheproof-<fault id>-<stream>` (chaos/toxiproxy.ts). */
export const HARNESS_TOXIC_PREFIX = 'cacheproof-';

const HARNESS_TOXIC = /^cacheproof-[A-Za-z0-9_-]+-(?:upstream|downstream)$/;

/** Whether a toxic's name is one the harness gives (`cacheproof-redis-latency-1-upstream`). */
export function isHarnessToxicName(name: string): boolean {
  return HARNESS_TOXIC.test(name);
}

interface ProxyState {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: { name: string }[];
}

/**
 * A harness killed mid-fault (SIGKILL: no heal runs) leaves its toxics, or a proxy it disabled,
 * on a Toxiproxy it does not own, and every later run would then measure that fault. At start,
 * removes the harness's own toxics from the harness's own proxies (toxics named otherwise are
 * the user's and stay) and enables those proxies again, saying what it did through `warn`.
 */
export async function removeHarnessLeftovers(
  toxiproxy: Toxiproxy,
  proxies: readonly string[],
  warn: (message: string) => void,
): Promise<void> {
  const api = toxiproxy.getApi();
  for (const name of proxies) {
    const url = `${toxiproxy.host}/proxies/${encodeURIComponent(name)}`;
    const proxy = (await api.get<ProxyState>(url)).data;
    const leftovers = proxy.toxics.map((toxic) => toxic.name).filter(isHarnessToxicName);
    for (const toxic of leftovers) await api.delete(`${url}/toxics/${encodeURIComponent(toxic)}`);
    if (leftovers.length > 0) {
      warn(
        `removed ${leftovers.length} toxic${leftovers.length === 1 ? '' : 's'} an earlier run left on proxy ${name} (${leftovers.join(', ')})`,
      );
    }
    if (!proxy.enabled) {
      await api.post(url, { enabled: true, listen: proxy.listen, upstream: proxy.upstream });
      warn(`enabled proxy ${name} again, which an earlier run left disabled`);
    }
  }
}
