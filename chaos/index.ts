/** The fault layer the bench orchestration uses: plans, presets, the runner and the health check. */
export { assignFaultIds, loadFaultPlanFile, parseFaultPlan } from './plan.ts';
export { describePresets, FAULT_PRESETS, type FaultPreset, findPreset } from './presets.ts';
export { FAULT_KINDS, findFaultKind } from './registry.ts';
export { assertHealthy, faultContext, healEverything, residualFaults } from './residual.ts';
export { type FaultPlanContext, resolveFaultPlan } from './resolve.ts';
export { type FaultRun, type FaultRunOptions, startFaultPlan } from './runner.ts';
export type {
  AppCrash,
  AppProcessControl,
  Fault,
  FaultContext,
  FaultDirection,
  FaultKind,
  FaultTarget,
  PlannedFault,
  ResolvedFault,
} from './types.ts';
