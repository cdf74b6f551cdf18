/**
 * The rollout record persisted in `tagroll/rollouts/<service>` (ARCHITECTURE.md, "State in Consul KV").
 * It is written after every step of every allocation, so a new leader — or this process after a
 * crash — resumes exactly where the last one stopped (ARCHITECTURE.md, "Resuming").
 */

import type { RedeployJobProgress } from "./redeploy-progress.js";

/** `deploy`: a new value; `restart`: same value, rolling restart; `adopted`: first sight, nothing run. */
export type RolloutKind = "deploy" | "restart" | "adopted";

/**
 * `running` moves allocations to `value`; `reverting` moves the ones already touched back to
 * `previousValue`. The other three are final.
 */
export type RolloutStatus = "running" | "reverting" | "succeeded" | "failed" | "reverted";

/**
 * Where one allocation is in its steps (ARCHITECTURE.md, "The allocation state machine"); `draining` (taking its
 * Consul services out of rotation before the restart) sits between render and restart.
 */
export type AllocStepState =
  "pending" | "rendering" | "draining" | "restarting" | "health" | "healthy" | "failed";

/**
 * What a task looked like just before we asked Nomad to restart it. Comparing against it tells
 * "the restart happened" without comparing our clock with the Nomad client's.
 */
export interface TaskMark {
  startedAt: string | null;
  restarts: number;
  /** Time (ns, Nomad's clock) of the task's newest event before the restart. */
  lastEventTime: number;
}

export interface AllocProgress {
  allocId: string;
  /** Nomad's allocation name, e.g. `web.web[0]`. */
  name: string;
  jobId: string;
  namespace: string;
  group: string;
  state: AllocStepState;
  /**
   * Value the last restart was issued for. Written *before* the restart request, so a resumed
   * rollout never restarts an allocation twice for the same value.
   */
  restartedFor?: string;
  /** Per restarted task, its state before the restart (see TaskMark). */
  marks?: Record<string, TaskMark>;
  /** Our clock, when the restart was issued: `healthy_deadline` counts from here. */
  restartedAt?: number;
  /** Consul service IDs put into maintenance for the restart; taken out again once healthy. */
  drained?: string[];
  /**
   * How the allocation left rotation before its last restart (src/nomad/drain-method.ts):
   * `nomad` — a whole-allocation restart, Nomad deregistered its group services and waited the
   * group's shutdown_delay; `maintenance` — tagroll put its Consul services into maintenance;
   * `none` — nothing to drain (no services).
   */
  drain?: "nomad" | "maintenance" | "none";
  /**
   * Why the last restart went out while load balancers could still route to the instance;
   * absent when it was drained. Shown by `tagroll status` and the status page, counted in
   * `tagroll_undrained_restarts_total`.
   */
  undrained?: string;
  error?: string;
  updatedAt: number;
}

export interface RolloutRecord {
  version: 1;
  id: string;
  service: string;
  key: string;
  kind: RolloutKind;
  /** The value being rolled out: the newest one once a rollout has been superseded. */
  value: string;
  /** The value the service ran before this rollout; what `autoRevert` writes back. */
  previousValue?: string;
  status: RolloutStatus;
  /** Values this rollout replaced while it ran, oldest first. */
  superseded: string[];
  /** Allocations this rollout is responsible for; others (placed later) already run the value. */
  allocs: AllocProgress[];
  startedAt: number;
  updatedAt: number;
  finishedAt?: number;
  error?: string;
  /** For `restart` rollouts: the request (`tagroll/requests/<service>`) being served. */
  requestId?: string;
  /** Redeploy strategy only: what tagroll registered in Nomad, job by job (redeploy-progress.ts). */
  redeploy?: RedeployJobProgress[];
  /**
   * Services that pin digests (README, "Supply chain"): the digest key's value when the rollout
   * started. The render step waits for it too, so a re-pushed tag (same tag, new digest) is not
   * restarted before its template holds the new digest. Dropped when a newer value supersedes.
   */
  digest?: string;
  /**
   * issue 12: the digest `previousValue` ran with (the digest the service settled on before this
   * rollout); autoRevert writes it back beside `previousValue` in the same transaction, so the
   * reverted allocations do not pull the failing image by its digest.
   */
  previousDigest?: string;
}

/** The digest the service settled on with `settledValue(record)`, when the record knows it. */
export function settledDigest(record: RolloutRecord): string | undefined {
  return record.status === "reverting" || record.status === "reverted"
    ? record.previousDigest
    : record.digest;
}

export const FINAL_STATUSES: ReadonlySet<RolloutStatus> = new Set(["succeeded", "failed", "reverted"]);

export function isActive(record: RolloutRecord): boolean {
  return !FINAL_STATUSES.has(record.status);
}

/** The value allocations are being moved to right now. */
export function phaseValue(record: RolloutRecord): string {
  return record.status === "reverting" || record.status === "reverted"
    ? (record.previousValue ?? record.value)
    : record.value;
}

/**
 * The value the service was last rolled out with (or is being rolled out to). A KV value equal
 * to it is not a change: this is how the watcher ignores our own revert write (ARCHITECTURE.md, "Revert").
 */
export function settledValue(record: RolloutRecord): string {
  return phaseValue(record);
}

/** Parses a stored record; undefined when it is not one of ours (never throws on bad JSON). */
export function parseRolloutRecord(raw: string): RolloutRecord | undefined {
  try {
    const value = JSON.parse(raw) as Partial<RolloutRecord>;
    if (value?.version !== 1 || typeof value.service !== "string" || !Array.isArray(value.allocs)) {
      return undefined;
    }
    return value as RolloutRecord;
  } catch {
    return undefined;
  }
}

/**
 * Takes a newer desired value on (ARCHITECTURE.md, "The rollout": supersede): a restart becomes
 * a deploy of the new value, the value being left is recorded, and the rollout runs again.
 * Resolves the value left. Shared by the restart engine and the redeploy driver.
 */
export function supersedeRecord(record: RolloutRecord, latest: string): string {
  const from = phaseValue(record);
  if (record.kind === "restart") {
    record.kind = "deploy";
    record.previousValue = record.value;
    if (record.digest !== undefined) record.previousDigest = record.digest;
  }
  record.superseded.push(from);
  record.value = latest;
  record.status = "running";
  // The digest read at the start belongs to the value superseded; the newer one's is not known here.
  delete record.digest;
  return from;
}
