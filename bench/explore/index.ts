/** The interleaving explorer (`npm run explore`): every schedule of a few operations over the strategies' pause points. */
export { enumerateSchedules, estimateSchedules, faultCommutes, ScenarioTooLarge } from './enumerate.ts';
export { type ExploreWorld, participantsOf, strategySpec } from './execution.ts';
export { ANOMALY_KINDS, exploreScenario, outcomeSignature } from './explore.ts';
export { formatAnomalySchedules, formatExploreTable, renderExplorePage } from './format.ts';
export { LocalWorld } from './local-world.ts';
export { BUILT_IN_SCENARIOS, findScenario } from './scenarios.ts';
export { StepController } from './step-controller.ts';
export type * from './types.ts';
