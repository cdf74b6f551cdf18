import type { DeployResult, StatusReport } from "../operations/index.js";
import type { RolloutEvent } from "../coordinator/index.js";
import type { RolloutRecord } from "../coordinator/index.js";
import type { HistoryEntry } from "../state/history-store.js";

export type { DeployResult, StatusReport } from "../operations/index.js";

/** `history <service>`: entries newest first. */
export interface HistoryReport {
  service: string;
  entries: HistoryEntry[];
}

export interface RestartResult {
  service: string;
  requestId: string;
  /** Id of the rollout record before the request; following skips it. */
  rolloutBefore?: string;
}

/** `GET /rollouts`: the record of every service with a rollout running (or, with `all`, any record). */
export interface RolloutsReport {
  rollouts: RolloutRecord[];
}

export interface FollowRequest {
  /** Rollout id to skip: the record that was there before the change (DeployResult.rolloutBefore). */
  after?: string;
  signal?: AbortSignal;
}

/**
 * The operator operations as the CLI uses them, whether it talks to Consul and Nomad itself
 * (`AdminActions`, local mode) or to a running tagroll over `/api/v1` (`RemoteClient`). Both
 * answer with the same JSON, so `--json` output does not depend on the mode.
 */
export interface AdminClient {
  status(service?: string): Promise<StatusReport>;
  history(service: string, limit?: number): Promise<HistoryReport>;
  rollouts(all?: boolean): Promise<RolloutsReport>;
  deploy(service: string, tag: string): Promise<DeployResult>;
  rollback(service: string): Promise<DeployResult>;
  restart(service: string): Promise<RestartResult>;
  /** Progress of the service's next rollout after `after`, until it ends. */
  follow(service: string, request?: FollowRequest): AsyncIterable<RolloutEvent>;
  close(): Promise<void>;
}
