import { numberParam } from '../params.ts';
import { toxicFaultKind } from '../toxic-fault.ts';
import { ParamError } from '../types.ts';

/** Cuts the stream into small packets with a delay between them (Toxiproxy `slicer`): exercises partial reads. */
export const slicerFault = toxicFaultKind({
  name: 'slicer',
  toxicType: 'slicer',
  summary: 'slices data into averageSize±sizeVariation byte packets, delayUs apart',
  defaultDirection: 'downstream',
  params: {
    averageSize: numberParam('average packet size in bytes', 16, { min: 1, max: 1_000_000, integer: true }),
    sizeVariation: numberParam('± bytes (below averageSize)', 8, { min: 0, max: 1_000_000, integer: true }),
    delayUs: numberParam('µs between packets', 100, { min: 0, max: 10_000_000, integer: true }),
  },
  attributes: ({ averageSize, sizeVariation, delayUs }) => {
    if (sizeVariation >= averageSize) {
      throw new ParamError(
        `param 'sizeVariation' (${sizeVariation}) must be below averageSize (${averageSize})`,
      );
    }
    return { average_size: averageSize, size_variation: sizeVariation, delay: delayUs };
  },
  describe: ({ averageSize, sizeVariation, delayUs }) =>
    `slicer ${averageSize}±${sizeVariation}B every ${delayUs}µs`,
});
