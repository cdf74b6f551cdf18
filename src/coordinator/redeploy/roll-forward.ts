import { ConflictError } from "../../core/errors.js";
import { ensureLeading } from "../leader/index.js";
import { phaseValue } from "../model/index.js";
import { retrying } from "../steps/index.js";
import { followDeployment } from "./follow-deployment.js";
import { jobProgress } from "./job-progress.js";
import { carriesValue, MAX_REGISTER_ATTEMPTS, readJob, registerValue } from "./register-value.js";
import {
  followHooks,
  jobAccess,
  type RedeployDeps,
  type RedeployJob,
  type RedeployRun,
} from "./redeploy-run.js";

export type PassResult = { kind: "done" } | { kind: "superseded" } | { kind: "failed"; reason: string };

/**
 * Moves every target job to the rollout's value, one job after the other: register the value
 * (unless the job already carries it), then follow the Nomad deployment of that version.
 *
 * Never twice for one value: the modify index enforced is persisted before the register and the
 * version after it; a resumed rollout whose job already carries the value follows that version's
 * deployment instead of registering. A deployment cancelled because someone registered a newer
 * version without the value gets the value applied on top, like an EnforceIndex conflict.
 */
export async function rollForward(
  run: RedeployRun,
  deps: RedeployDeps,
  jobs: RedeployJob[],
): Promise<PassResult> {
  const value = phaseValue(run.record);
  for (const job of jobs) {
    const entry = jobProgress(run.record, job, value);
    const access = jobAccess(run, deps, job);
    let cancelled = 0;
    while (!entry.done) {
      ensureLeading(run.ctx.signal);
      if (entry.version === undefined) {
        const result = await retrying(run.ctx, () =>
          registerValue(access, value, async (prior) => {
            entry.priorModifyIndex = prior;
            await run.save();
            ensureLeading(run.ctx.signal);
          }),
        );
        entry.version = result.version;
        await run.save();
        access.logger.info(
          { version: result.version, value },
          result.registered ? "job registered with the new value" : "job already carries the value",
        );
      }
      const current = await retrying(run.ctx, () => readJob(access));
      const hooks = followHooks(run, job, value, async (id) => {
        if (entry.deploymentId === id) return;
        entry.deploymentId = id;
        await run.save();
      });
      const outcome = await followDeployment(
        run.ctx,
        { api: deps.api, jobId: job.jobId, scope: job.scope, timing: deps.timing },
        { ...current, Version: entry.version },
        hooks,
      );
      switch (outcome.kind) {
        case "done":
          entry.done = true;
          await run.save();
          break;
        case "superseded":
          return outcome;
        case "failed":
          return { kind: "failed", reason: `${job.jobId}: ${outcome.reason}` };
        case "cancelled": {
          const now = await retrying(run.ctx, () => readJob(access));
          const carries = await retrying(run.ctx, () => carriesValue(access, now, value));
          if (++cancelled > MAX_REGISTER_ATTEMPTS)
            throw new ConflictError(
              `job ${job.jobId} keeps being replaced during its deployment: ${outcome.reason}`,
            );
          access.logger.warn(
            { reason: outcome.reason, version: now.Version, carries },
            carries === true
              ? "deployment cancelled by a newer version that carries the value; following it"
              : "deployment cancelled by a newer version without the value; applying it on top",
          );
          if (carries === true) entry.version = now.Version;
          else delete entry.version;
          delete entry.deploymentId;
          await run.save();
        }
      }
    }
  }
  return { kind: "done" };
}
