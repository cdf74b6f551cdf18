/**
 * The coordinator's public surface: the Coordinator itself, the rollout record and event types
 * other parts read, and the target resolution `status` and `check` share. Folder map: ARCHITECTURE.md.
 */
export { Coordinator } from "./coordinator.js";
export { loadRecord } from "./leader/index.js";
export {
  type AllocProgress,
  type AllocStepEvent,
  type AllocStepState,
  type CoordinatorEvent,
  FINAL_STATUSES,
  type GateEvent,
  isActive,
  notify,
  observeAll,
  parseRolloutRecord,
  recordEvents,
  type RestartRequest,
  type RolloutEvent,
  type RolloutFinishedEvent,
  type RolloutObserver,
  type RolloutRecord,
} from "./model/index.js";
export {
  isRunning,
  nomadDefaults,
  renderedValue,
  resolveTargets,
  type GroupTarget,
} from "./targets/index.js";
export { nextWatchIndex, TokenBucket, watchPrefix } from "./watch/index.js";
