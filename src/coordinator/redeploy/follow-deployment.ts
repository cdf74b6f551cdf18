import type {
  DeploymentAllocation,
  JobJson,
  NomadDeployApi,
  NomadDeployment,
} from "../../nomad/deploy-api.js";
import type { NomadScope } from "../../nomad/nomad-api.js";
import { ensureLeading } from "../leader/index.js";
import { retrying, type StepContext } from "../steps/index.js";
import { aborted, BlockingRead } from "./blocking-read.js";
import { decideDeployment, shortId } from "./deployment-decision.js";

export type FollowOutcome =
  | { kind: "done" }
  | { kind: "superseded" }
  | { kind: "failed"; reason: string; nomadReverts: boolean }
  /** The deployment was cancelled: a newer job version replaced it, or the job was stopped. */
  | { kind: "cancelled"; reason: string };

export interface FollowTiming {
  /** `wait` of each blocking query; also how often a newer desired value is looked for. */
  blockMs: number;
  /** Longest wait for Nomad to create the deployment of a registered version. */
  deploymentStartMs: number;
  /** Longest wait for a job without an update block to run the version everywhere. */
  noDeploymentMs: number;
}

export const DEFAULT_FOLLOW_TIMING: FollowTiming = {
  blockMs: 5_000,
  deploymentStartMs: 120_000,
  noDeploymentMs: 300_000,
};

export interface FollowHooks {
  /** A newer desired value is waiting: stop following (the next register cancels this deployment). */
  superseded(): boolean;
  /** The deployment's allocations changed: record, persist, announce. */
  progress(allocs: DeploymentAllocation[]): Promise<void>;
  deploymentSeen(id: string): Promise<void>;
}

export interface FollowTarget {
  api: NomadDeployApi;
  jobId: string;
  scope: NomadScope;
  timing: FollowTiming;
}

/**
 * Follows the Nomad deployment of one job version to its end, as a careful operator would with
 * `nomad deployment status -monitor`: blocking queries on the deployment and on its allocations,
 * each allocation's progress reported, canaries promoted once healthy, and stopping as soon as a
 * newer desired value is waiting. A job whose groups have no update block gets no deployment: its
 * allocations are watched until every one runs the version (followWithoutDeployment).
 */
export async function followDeployment(
  ctx: StepContext,
  t: FollowTarget,
  job: JobJson,
  hooks: FollowHooks,
): Promise<FollowOutcome> {
  const deployment = await findDeployment(ctx, t, job, hooks);
  if (deployment === "superseded") return { kind: "superseded" };
  if (!deployment) return followWithoutDeployment(ctx, t, job, hooks);
  await hooks.deploymentSeen(deployment.ID);
  const log = ctx.logger.child({ job: t.jobId, deployment: shortId(deployment.ID) });
  const opts = { clock: ctx.clock, logger: log, waitMs: t.timing.blockMs, signal: ctx.signal };
  const read = (id: string) => retrying(ctx, () => t.api.deployment(id, t.scope));
  const state = new BlockingRead(
    (b) => t.api.deployment(deployment.ID, t.scope, b),
    await read(deployment.ID),
    opts,
  );
  const allocs = new BlockingRead(
    (b) => t.api.deploymentAllocations(deployment.ID, t.scope, b),
    await retrying(ctx, () => t.api.deploymentAllocations(deployment.ID, t.scope)),
    opts,
  );
  const promoted = new Set<string>();
  const stop = aborted(ctx.signal);
  for (;;) {
    ensureLeading(ctx.signal);
    await hooks.progress(allocs.value);
    if (hooks.superseded()) return { kind: "superseded" };
    const current = state.value;
    if (!current) return { kind: "cancelled", reason: `deployment ${shortId(deployment.ID)} is gone` };
    const decision = decideDeployment(current);
    switch (decision.kind) {
      case "succeeded":
        log.info("Nomad deployment successful");
        return { kind: "done" };
      case "failed":
      case "cancelled":
        log.warn(
          { status: current.Status, description: current.StatusDescription },
          "Nomad deployment ended",
        );
        return decision;
      case "promote": {
        const fresh = decision.groups.filter((g) => !promoted.has(g));
        if (fresh.length > 0) {
          log.info({ groups: fresh }, "canaries healthy: promoting");
          await retrying(ctx, () => t.api.promoteDeployment(current.ID, t.scope));
          fresh.forEach((g) => promoted.add(g));
        }
        break;
      }
      case "wait":
        break;
    }
    await Promise.race([state.changed(), allocs.changed(), stop]);
  }
}

/**
 * The deployment Nomad creates for the version; undefined when the job has no update block (no
 * deployment will come) or none appeared within `deploymentStartMs`.
 */
async function findDeployment(
  ctx: StepContext,
  t: FollowTarget,
  job: JobJson,
  hooks: FollowHooks,
): Promise<NomadDeployment | undefined | "superseded"> {
  if (!job.TaskGroups.some((g) => (g.Update?.MaxParallel ?? 0) > 0)) return undefined;
  const opts = { clock: ctx.clock, logger: ctx.logger, waitMs: t.timing.blockMs, signal: ctx.signal };
  const list = new BlockingRead(
    (b) => t.api.jobDeployments(t.jobId, t.scope, b),
    await retrying(ctx, () => t.api.jobDeployments(t.jobId, t.scope)),
    opts,
  );
  const until = ctx.clock.now() + t.timing.deploymentStartMs;
  const stop = aborted(ctx.signal);
  for (;;) {
    ensureLeading(ctx.signal);
    const found = list.value.find((d) => d.JobVersion === job.Version);
    if (found) return found;
    if (hooks.superseded()) return "superseded";
    if (ctx.clock.now() >= until) {
      ctx.logger.warn({ job: t.jobId, version: job.Version }, "Nomad created no deployment for the version");
      return undefined;
    }
    await Promise.race([list.changed(), stop]);
  }
}

/** No deployment: done once every allocation Nomad wants running is on the version and running. */
async function followWithoutDeployment(
  ctx: StepContext,
  t: FollowTarget,
  job: JobJson,
  hooks: FollowHooks,
): Promise<FollowOutcome> {
  const until = ctx.clock.now() + t.timing.noDeploymentMs;
  for (;;) {
    ensureLeading(ctx.signal);
    const all = await retrying(ctx, () => ctx.nomad.jobAllocations(t.jobId, t.scope));
    const wanted = all.filter((a) => a.DesiredStatus === "run");
    const fresh = wanted.filter((a) => a.JobVersion >= job.Version);
    await hooks.progress(
      fresh.map((a) => ({ ...a, DeploymentStatus: { Healthy: a.ClientStatus === "running" ? true : null } })),
    );
    const failed = fresh.find((a) => a.ClientStatus === "failed");
    if (failed) return { kind: "failed", reason: `${failed.Name} failed to start`, nomadReverts: false };
    if (fresh.length > 0 && wanted.every((a) => a.JobVersion >= job.Version && a.ClientStatus === "running"))
      return { kind: "done" };
    if (hooks.superseded()) return { kind: "superseded" };
    if (ctx.clock.now() >= until)
      return {
        kind: "failed",
        reason: `job ${t.jobId} did not run version ${job.Version} everywhere`,
        nomadReverts: false,
      };
    await ctx.clock.sleep(ctx.timing.pollMs * 4, ctx.signal);
  }
}
