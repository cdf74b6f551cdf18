/**
 * The leader's gates: approvals, deploy windows and promotion in front of the service runners
 * (README, "Approvals, deploy windows and promotion").
 */
export { Gates, needsGate } from "./gates.js";
export { ServiceGate } from "./service-gate.js";
