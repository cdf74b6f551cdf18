import type { DeploymentAllocation } from "../../nomad/deploy-api.js";
import type { AllocProgress, AllocStepState } from "../model/index.js";

/**
 * A Nomad deployment's allocations as rollout-record entries, so `--wait`, the status page and
 * the metrics show a redeploy allocation by allocation like a restart rollout: a placement
 * starting is `restarting`, a running one waiting for Nomad's health verdict is `health`, then
 * `healthy` or `failed`. Allocations Nomad stopped (a canary after a revert) leave the list.
 */
export function allocState(alloc: DeploymentAllocation): AllocStepState | undefined {
  if (alloc.DesiredStatus !== "run") return undefined;
  const healthy = alloc.DeploymentStatus?.Healthy;
  if (healthy === false || alloc.ClientStatus === "failed" || alloc.ClientStatus === "lost") return "failed";
  if (healthy === true) return "healthy";
  if (alloc.ClientStatus === "running") return "health";
  if (alloc.ClientStatus === "pending") return "restarting";
  return undefined;
}

export interface JobRef {
  jobId: string;
  namespace: string;
}

/**
 * The record's entries with those of `job` replaced by the deployment's allocations for `value`.
 * An entry whose state did not change is kept as it was (its `updatedAt` too).
 */
export function mergeDeploymentAllocs(
  entries: AllocProgress[],
  job: JobRef,
  allocs: DeploymentAllocation[],
  value: string,
  now: number,
): AllocProgress[] {
  const mine = (e: AllocProgress) => e.jobId === job.jobId && e.namespace === job.namespace;
  const before = new Map(entries.filter(mine).map((e) => [e.allocId, e]));
  const next: AllocProgress[] = [];
  for (const alloc of [...allocs].sort((a, b) => a.Name.localeCompare(b.Name))) {
    const state = allocState(alloc);
    if (!state) continue;
    const was = before.get(alloc.ID);
    if (was && was.state === state && was.restartedFor === value) {
      next.push(was);
      continue;
    }
    const entry: AllocProgress = {
      allocId: alloc.ID,
      name: alloc.Name,
      jobId: job.jobId,
      namespace: job.namespace,
      group: alloc.TaskGroup,
      state,
      restartedFor: value,
      restartedAt: was?.restartedAt ?? now,
      updatedAt: now,
    };
    if (state === "failed")
      entry.error =
        alloc.ClientStatus === "failed" || alloc.ClientStatus === "lost"
          ? `allocation ${alloc.ClientStatus}`
          : "unhealthy in the Nomad deployment";
    next.push(entry);
  }
  return [...entries.filter((e) => !mine(e)), ...next];
}
