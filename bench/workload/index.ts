/** Seeded, reproducible workloads: presets, key distributions, one operation stream per client. */
export {
  createOperationStream,
  DISTRIBUTIONS,
  type Distribution,
  findWorkload,
  HOTSPOT_KEY_SHARE,
  HOTSPOT_OP_SHARE,
  type OperationStream,
  WORKLOAD_PRESETS,
  type WorkloadPreset,
  type WorkloadSpec,
} from './workload.ts';
export { createScrambler, createZipfian, type ZipfianGenerator, zeta } from './zipfian.ts';
