import { numberParam } from '../params.ts';
import { toxicFaultKind } from '../toxic-fault.ts';

/** Adds latency ± jitter to every chunk of data on the link (Toxiproxy `latency`). */
export const latencyFault = toxicFaultKind({
  name: 'latency',
  toxicType: 'latency',
  summary: 'delays every chunk on the link by latencyMs ± jitterMs',
  defaultDirection: 'downstream',
  params: {
    latencyMs: numberParam('added delay in ms', 100, { min: 0, max: 60_000, integer: true }),
    jitterMs: numberParam('random ± variation in ms', 0, { min: 0, max: 60_000, integer: true }),
  },
  attributes: ({ latencyMs, jitterMs }) => ({ latency: latencyMs, jitter: jitterMs }),
  describe: ({ latencyMs, jitterMs }) => `latency ${latencyMs}ms${jitterMs > 0 ? ` ±${jitterMs}ms` : ''}`,
});
