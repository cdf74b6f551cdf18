/**
 * The `redeploy` strategy: re-register the job with the value (job meta or a job variable) and
 * follow its Nomad deployment (README, "Three ways a job takes its tag").
 */
export { RedeployDriver, type RedeployDriverOptions } from "./redeploy-driver.js";
export { type RedeployRun } from "./redeploy-run.js";
export { carriesMeta, metaValues, withMetaValue } from "./meta-value.js";
export { variableValue, withVariable } from "./variable-value.js";
export { decideDeployment, type DeploymentDecision } from "./deployment-decision.js";
