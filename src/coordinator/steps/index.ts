/**
 * One allocation's steps, render → drain → restart → running → health → confirm, as a state machine.
 */
export { type AllocTurn, newWalk } from "./alloc-effects.js";
export { type AllocOutcome, isInFlight, walkAlloc } from "./alloc-machine.js";
export { Deadline, DEFAULT_TIMING, type EngineTiming, retrying, type StepContext } from "./step-context.js";
