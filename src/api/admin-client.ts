import type { DeployResult, StatusReport } from "../operations/index.js";
import type { RolloutEvent } from "../coordinator/index.js";
import type { RolloutRecord } from "../coordinator/index.js";
import type { HistoryEntry } from "../state/history-store.js";
import type { ApproveResult, RejectResult } from "../gates/approval-actions.js";

export type { DeployResult, StatusReport } from "../operations/index.js";
export type { ApproveResult, RejectResult } from "../gates/approval-actions.js";

/** `deploy --now` (admin): the value skips the service's deploy window (README, "Deploy windows"). */
export interface DeployOptions {
  now?: boolean;
}

/** `reject`: which value (default: the one waiting) and why. */
export interface RejectOptions {
  value?: string;
  reason?: string;
}

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
  deploy(service: string, tag: string, options?: DeployOptions): Promise<DeployResult>;
  rollback(service: string): Promise<DeployResult>;
  restart(service: string): Promise<RestartResult>;
  /** Approves the value waiting at the service's gate (`value`: only if it is that one). */
  approve(service: string, value?: string): Promise<ApproveResult>;
  /** Rejects the waiting value; the leader puts the running value back into the key. */
  reject(service: string, options?: RejectOptions): Promise<RejectResult>;
  /** Progress of the service's next rollout after `after`, until it ends. */
  follow(service: string, request?: FollowRequest): AsyncIterable<RolloutEvent>;
  close(): Promise<void>;
}
