import { numberParam } from '../params.ts';
import { toxicFaultKind } from '../toxic-fault.ts';

/** Resets connections (TCP RST, "connection reset by peer") as they carry data (Toxiproxy `reset_peer`). */
export const resetPeerFault = toxicFaultKind({
  name: 'reset-peer',
  toxicType: 'reset_peer',
  summary: 'resets connections with a TCP RST after timeoutMs (0: at once); clients must reconnect',
  defaultDirection: 'upstream',
  params: {
    timeoutMs: numberParam('ms before the reset', 0, { min: 0, max: 600_000, integer: true }),
  },
  attributes: ({ timeoutMs }) => ({ timeout: timeoutMs }),
  describe: ({ timeoutMs }) => `reset_peer after ${timeoutMs}ms`,
});
