import type { RedeployJobProgress, RolloutRecord } from "../model/index.js";
import type { JobRef } from "./deployment-allocs.js";

/**
 * The record's entry for one job, created (or restarted) for `value`: an entry for another value
 * is from before a supersede and says nothing about this one.
 */
export function jobProgress(record: RolloutRecord, job: JobRef, value: string): RedeployJobProgress {
  record.redeploy ??= [];
  const at = record.redeploy.findIndex((e) => e.jobId === job.jobId && e.namespace === job.namespace);
  const existing = at >= 0 ? record.redeploy[at] : undefined;
  if (existing && existing.value === value) return existing;
  const fresh: RedeployJobProgress = { jobId: job.jobId, namespace: job.namespace, value };
  if (at >= 0) record.redeploy[at] = fresh;
  else record.redeploy.push(fresh);
  return fresh;
}

/** The entry for one job whatever its value; undefined when this rollout never touched it. */
export function findJobProgress(record: RolloutRecord, job: JobRef): RedeployJobProgress | undefined {
  return record.redeploy?.find((e) => e.jobId === job.jobId && e.namespace === job.namespace);
}
