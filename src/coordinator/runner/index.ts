/**
 * One service's runner: decides from its record and the newest value what to do next, one rollout at a time.
 */
export { ServiceRunner } from "./service-runner.js";
