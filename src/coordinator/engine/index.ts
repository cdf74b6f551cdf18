/**
 * The rollout engine: drives one record to a final status (`nextRolloutStatus`), pass by pass and batch by batch.
 */
export { type RevertWrite } from "./next-rollout-status.js";
export { RolloutEngine } from "./rollout-engine.js";
