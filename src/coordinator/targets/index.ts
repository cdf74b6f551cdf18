/**
 * What a service's rollout acts on: its task groups, their parameters, files and allocations.
 */
export { allocCondition, deadTask, isRunning } from "./alloc-state.js";
export { holdsValue, renderedValue } from "./rendered-value.js";
export { type GroupTarget, type JobListing, nomadDefaults, OPT_IN_META, resolveTargets } from "./targets.js";
