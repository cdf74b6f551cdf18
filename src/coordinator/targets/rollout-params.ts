import type { RolloutOverrides } from "../../config/types.js";
import type { NomadUpdateStrategy } from "../../nomad/nomad-api.js";

export interface RolloutParams {
  /** Allocations restarted (and allowed to be unhealthy) at the same time. */
  maxParallel: number;
  /** How long an allocation's checks must stay passing before it counts as healthy. */
  minHealthyTimeMs: number;
  /** Longest time from the restart to healthy before the allocation counts as failed. */
  healthyDeadlineMs: number;
}

/** Nomad's own `update` defaults (https://developer.hashicorp.com/nomad/docs/job-specification/update). */
export const NOMAD_UPDATE_DEFAULTS: RolloutParams = {
  maxParallel: 1,
  minHealthyTimeMs: 10_000,
  healthyDeadlineMs: 300_000,
};

const NS_PER_MS = 1_000_000;

/**
 * Parameters for one task group: the group's `update` block (Nomad copies the job-level block
 * into each group when it canonicalises a job; `jobUpdate` covers jobs that were not), so the
 * job's own rolling-upgrade spec is honoured — then the service's overrides, which win.
 * `max_parallel = 0` disables Nomad deployments; for a restart it still means one at a time.
 */
export function rolloutParams(
  groupUpdate: NomadUpdateStrategy | null | undefined,
  jobUpdate: NomadUpdateStrategy | null | undefined,
  overrides: RolloutOverrides = {},
): RolloutParams {
  const update = { ...jobUpdate, ...groupUpdate };
  const fromJob: RolloutParams = {
    maxParallel:
      update.MaxParallel && update.MaxParallel > 0 ? update.MaxParallel : NOMAD_UPDATE_DEFAULTS.maxParallel,
    minHealthyTimeMs: nsToMs(update.MinHealthyTime) ?? NOMAD_UPDATE_DEFAULTS.minHealthyTimeMs,
    healthyDeadlineMs: nsToMs(update.HealthyDeadline) || NOMAD_UPDATE_DEFAULTS.healthyDeadlineMs,
  };
  return {
    maxParallel: Math.max(1, overrides.maxParallel ?? fromJob.maxParallel),
    minHealthyTimeMs: overrides.minHealthyTimeMs ?? fromJob.minHealthyTimeMs,
    healthyDeadlineMs: overrides.healthyDeadlineMs ?? fromJob.healthyDeadlineMs,
  };
}

function nsToMs(ns: number | undefined): number | undefined {
  return ns === undefined || ns === null ? undefined : Math.round(ns / NS_PER_MS);
}
