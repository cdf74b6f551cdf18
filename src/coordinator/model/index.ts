/**
 * What the coordinator persists and announces: the rollout record, its events and the restart
 * request — the shared types every other folder speaks.
 */
export { recordEvents } from "./record-events.js";
export { parseRestartRequest, type RestartRequest } from "./restart-request.js";
export {
  type AllocStepEvent,
  type CoordinatorEvent,
  type DriftEvent,
  type GateEvent,
  type NomadEventsEvent,
  notify,
  observeAll,
  type RolloutEvent,
  type RolloutFinishedEvent,
  type RolloutObserver,
} from "./rollout-events.js";
export {
  type AllocProgress,
  type AllocStepState,
  FINAL_STATUSES,
  isActive,
  parseRolloutRecord,
  phaseValue,
  supersedeRecord,
  type RolloutRecord,
  type RolloutStatus,
  settledValue,
  settledDigest,
  type TaskMark,
} from "./rollout-record.js";
export { type RedeployJobProgress } from "./redeploy-progress.js";
