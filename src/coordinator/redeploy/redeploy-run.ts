import type { RedeployField, ServiceConfig } from "../../config/types.js";
import type { NomadDeployApi } from "../../nomad/deploy-api.js";
import type { DeploymentAllocation } from "../../nomad/deploy-api.js";
import type { NomadScope } from "../../nomad/nomad-api.js";
import type { CoordinatorEvent, RolloutRecord, RolloutStatus } from "../model/index.js";
import { phaseValue, recordEvents } from "../model/index.js";
import type { StepContext } from "../steps/index.js";
import { mergeDeploymentAllocs, type JobRef } from "./deployment-allocs.js";
import type { FollowHooks, FollowTiming } from "./follow-deployment.js";
import type { JobAccess } from "./register-value.js";

/** What the rollout engine hands a redeploy rollout (src/coordinator/engine/rollout-engine.ts). */
export interface RedeployRun {
  ctx: StepContext;
  record: RolloutRecord;
  service: ServiceConfig;
  /** The newest desired value the watcher has seen. */
  latest(): string | undefined;
  /** The engine wrote `value` itself (the revert): it is not a new value to roll out. */
  wrote(value: string): void;
  save(): Promise<void>;
  emit(event: CoordinatorEvent): void;
  finish(status: RolloutStatus, error?: string): Promise<RolloutRecord>;
}

/** One target job of the service. */
export interface RedeployJob extends JobRef {
  scope: NomadScope;
}

/** Shared by roll-forward.ts and roll-back.ts. */
export interface RedeployDeps {
  api: NomadDeployApi;
  timing: FollowTiming;
  /** How long a job with `auto_revert` gets to roll itself back before tagroll reverts it. */
  autoRevertWaitMs: number;
}

export function jobAccess(run: RedeployRun, deps: RedeployDeps, job: RedeployJob): JobAccess {
  const field = (run.service.strategy as { field: RedeployField }).field;
  return {
    api: deps.api,
    field,
    jobId: job.jobId,
    scope: job.scope,
    logger: run.ctx.logger.child({ job: job.jobId }),
  };
}

/**
 * Follow hooks for one job moving to `value`: each change of the deployment's allocations is
 * persisted and announced as the same alloc-step events a restart rollout sends.
 */
export function followHooks(
  run: RedeployRun,
  job: RedeployJob,
  value: string,
  onDeployment: (id: string) => Promise<void>,
): FollowHooks {
  return {
    superseded: () => newerValue(run) !== undefined,
    progress: async (allocs: DeploymentAllocation[]) => {
      const before = structuredClone(run.record);
      const now = run.ctx.clock.now();
      run.record.allocs = mergeDeploymentAllocs(run.record.allocs, job, allocs, value, now);
      const events = recordEvents(before, run.record, now).filter((e) => e.type === "alloc-step");
      if (events.length === 0) return;
      await run.save();
      events.forEach((event) => run.emit(event));
    },
    deploymentSeen: onDeployment,
  };
}

/** A desired value the rollout is not already moving to (as `supersedes` in the engine). */
export function newerValue(run: RedeployRun): string | undefined {
  const latest = run.latest();
  return latest !== undefined && run.record.kind !== "adopted" && latest !== phaseValue(run.record)
    ? latest
    : undefined;
}
