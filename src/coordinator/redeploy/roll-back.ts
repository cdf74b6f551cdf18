import { JobModifiedError } from "../../nomad/job-modified-error.js";
import type { JobJson } from "../../nomad/deploy-api.js";
import { ensureLeading } from "../leader/index.js";
import { retrying } from "../steps/index.js";
import { followDeployment } from "./follow-deployment.js";
import { findJobProgress } from "./job-progress.js";
import { carriesValue, MAX_REGISTER_ATTEMPTS, readJob } from "./register-value.js";
import {
  followHooks,
  jobAccess,
  type RedeployDeps,
  type RedeployJob,
  type RedeployRun,
} from "./redeploy-run.js";
import type { PassResult } from "./roll-forward.js";

/**
 * Puts every job this rollout registered back on the previous value, last job first. The job
 * goes back to its newest stable version before the failing one: by Nomad itself when the job
 * sets `auto_revert` (tagroll waits `autoRevertWaitMs` for it), else by tagroll through
 * `/v1/job/:id/revert`, enforced on the failing version so a newer `nomad job run` is never
 * undone. Then the revert's deployment is followed like any other. `revertFrom` is persisted
 * before tagroll's revert request, so a resumed rollout does not revert twice.
 */
export async function rollBack(
  run: RedeployRun,
  deps: RedeployDeps,
  jobs: RedeployJob[],
): Promise<PassResult> {
  const previous = run.record.previousValue as string;
  for (const job of [...jobs].reverse()) {
    const entry = findJobProgress(run.record, job);
    if (!entry || (entry.value === previous && entry.done)) continue;
    const access = jobAccess(run, deps, job);
    let current = await retrying(run.ctx, () => readJob(access));
    const failing = entry.revertFrom ?? entry.version;
    if (failing === undefined) continue; // nothing was registered for the failing value
    if (entry.revertFrom === undefined) {
      entry.revertFrom = failing;
      await run.save();
    }
    let attempts = 0;
    const waitUntil = run.ctx.clock.now() + deps.autoRevertWaitMs;
    while (current.Version <= failing) {
      ensureLeading(run.ctx.signal);
      if (autoReverts(current) && run.ctx.clock.now() < waitUntil) {
        await run.ctx.clock.sleep(run.ctx.timing.pollMs * 4, run.ctx.signal);
      } else {
        const target = await stableBefore(run, access, failing);
        if (target === undefined)
          return {
            kind: "failed",
            reason: `job ${job.jobId} has no stable version before ${failing} to revert to`,
          };
        try {
          await retrying(run.ctx, () => deps.api.revertJob(job.jobId, target, current.Version, job.scope));
          access.logger.warn(
            { from: current.Version, to: target },
            "job reverted to its previous stable version",
          );
        } catch (error) {
          if (!(error instanceof JobModifiedError) || ++attempts > MAX_REGISTER_ATTEMPTS) throw error;
        }
      }
      current = await retrying(run.ctx, () => readJob(access));
    }
    if ((await retrying(run.ctx, () => carriesValue(access, current, previous))) === false)
      return {
        kind: "failed",
        reason: `job ${job.jobId} was changed by someone else (version ${current.Version}) while tagroll reverted it; left as it is`,
      };
    const outcome = await followDeployment(
      run.ctx,
      { api: deps.api, jobId: job.jobId, scope: job.scope, timing: deps.timing },
      current,
      followHooks(run, job, previous, async () => undefined),
    );
    if (outcome.kind === "superseded") return outcome;
    if (outcome.kind !== "done") return { kind: "failed", reason: `${job.jobId}: ${outcome.reason}` };
    Object.assign(entry, { value: previous, version: current.Version, done: true });
    await run.save();
  }
  return { kind: "done" };
}

/** Nomad rolls the job back itself when a deployment fails (`update { auto_revert = true }`). */
function autoReverts(job: JobJson): boolean {
  return job.TaskGroups.some((g) => g.Update?.AutoRevert === true);
}

/** The newest stable version older than the failing one. */
async function stableBefore(
  run: RedeployRun,
  access: ReturnType<typeof jobAccess>,
  failing: number,
): Promise<number | undefined> {
  const versions = await retrying(run.ctx, () => access.api.jobVersions(access.jobId, access.scope));
  return versions.find((v) => v.Stable === true && v.Version < failing)?.Version;
}
