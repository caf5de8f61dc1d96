import { numberParam } from '../params.ts';
import { toxicFaultKind } from '../toxic-fault.ts';

/** Delays the closing of connections (Toxiproxy `slow_close`); data still flows normally. */
export const slowCloseFault = toxicFaultKind({
  name: 'slow-close',
  toxicType: 'slow_close',
  summary: 'delays closing a connection by delayMs (a peer that lingers)',
  defaultDirection: 'downstream',
  params: {
    delayMs: numberParam('ms before the close goes through', 1000, { min: 0, max: 600_000, integer: true }),
  },
  attributes: ({ delayMs }) => ({ delay: delayMs }),
  describe: ({ delayMs }) => `slow_close ${delayMs}ms`,
});
