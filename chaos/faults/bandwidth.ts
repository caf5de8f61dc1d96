import { numberParam } from '../params.ts';
import { toxicFaultKind } from '../toxic-fault.ts';

/** Caps the link's throughput (Toxiproxy `bandwidth`): large values take long to arrive. */
export const bandwidthFault = toxicFaultKind({
  name: 'bandwidth',
  toxicType: 'bandwidth',
  summary: 'limits each connection to rateKBps kilobytes per second',
  defaultDirection: 'downstream',
  params: {
    rateKBps: numberParam('KB/s per connection', 10, { min: 1, max: 10_000_000, integer: true }),
  },
  attributes: ({ rateKBps }) => ({ rate: rateKBps }),
  describe: ({ rateKBps }) => `bandwidth ${rateKBps}KB/s`,
});
