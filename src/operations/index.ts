/**
 * The operations the CLI and the admin API offer (deploy, rollback, restart, status, follow),
 * usable from any process: they write and read Consul KV, the leader does the rest.
 */
export { type DeployResult, Operations, type StatusReport } from "./operations.js";
export { type AllocationStatus, type ServiceStatus } from "./service-status.js";
