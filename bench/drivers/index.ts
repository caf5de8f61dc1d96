/** Load drivers behind one contract: the registry, the phases they follow, and their parts. */
export { DEFAULT_HTTP_TIMEOUT_SEC, HttpLoad, mapAutocannonResult } from './http-load.ts';
export { type HttpService, startHttpService } from './http-service.ts';
export {
  type LoadPhase,
  LoadPhases,
  MAX_MEASURED_OPS,
  STOP_GRACE_MS,
  type StopReason,
  settleWithin,
} from './phases.ts';
export { DRIVER_NAMES, findDriver, LOAD_DRIVERS } from './registry.ts';
export type { DriverInput, DriverOutcome, LoadDriver, LoadFigures, LoadModel } from './types.ts';
