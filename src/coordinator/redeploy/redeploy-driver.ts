import type { ServiceConfig } from "../../config/types.js";
import { TagrollError, UpstreamUnavailableError } from "../../core/errors.js";
import type { NomadDeployApi } from "../../nomad/deploy-api.js";
import type { NomadScope } from "../../nomad/nomad-api.js";
import type { RevertWrite } from "../engine/next-rollout-status.js";
import { ensureLeading, LeadershipLostError } from "../leader/index.js";
import { isActive, supersedeRecord, type RolloutRecord } from "../model/index.js";
import { revertDigest, type DigestWrite } from "../revert-value.js";
import { retrying } from "../steps/index.js";
import { resolveTargets } from "../targets/index.js";
import { DEFAULT_FOLLOW_TIMING, type FollowTiming } from "./follow-deployment.js";
import { newerValue, type RedeployDeps, type RedeployJob, type RedeployRun } from "./redeploy-run.js";
import { rollBack } from "./roll-back.js";
import { rollForward, type PassResult } from "./roll-forward.js";

export interface RedeployDriverOptions {
  api: NomadDeployApi;
  nomadDefaults: NomadScope;
  /**
   * CAS-writes `to` into `key` if it still holds `from`, with the previous digest beside it for a
   * service that pins digests (src/coordinator/revert-value.ts).
   */
  revertValue: (key: string, from: string, to: string, digest?: DigestWrite) => Promise<RevertWrite>;
  timing?: Partial<FollowTiming>;
  autoRevertWaitMs?: number;
}

/** How long a refused revert write waits for the newer value to reach the watcher. */
const NEWER_VALUE_WAIT_MS = 10_000;

/**
 * The `redeploy` strategy (README, "Three ways a job takes its tag"): drives one rollout record
 * to a final status by re-registering the target jobs with the value and following their Nomad
 * deployments, instead of restarting allocations. The same record, events and statuses as a
 * restart rollout:
 *
 * - running: every job registered and its deployment successful → `succeeded`;
 * - a newer desired value → superseded: the next register cancels the running deployment;
 * - a failed deployment with `autoRevert` → the previous value is written back to the key (CAS,
 *   as for restarts), the record turns `reverting`, and the jobs go back (rollBack) → `reverted`;
 * - a failed deployment otherwise, a failed revert, or a register refused for good → `failed`.
 */
export class RedeployDriver {
  private readonly deps: RedeployDeps;

  constructor(private readonly o: RedeployDriverOptions) {
    this.deps = {
      api: o.api,
      timing: { ...DEFAULT_FOLLOW_TIMING, ...o.timing },
      autoRevertWaitMs: o.autoRevertWaitMs ?? 60_000,
    };
  }

  async run(run: RedeployRun): Promise<RolloutRecord> {
    const { record, ctx } = run;
    for (;;) {
      ensureLeading(ctx.signal);
      if (!isActive(record)) return record;
      const newer = newerValue(run);
      if (newer !== undefined) this.supersede(run, newer);
      const jobs = await retrying(ctx, () => this.jobs(run.service, run));
      if (jobs.length === 0)
        return run.finish("failed", "no job targets this service (config jobs or meta tagroll_service)");
      const result = await this.pass(run, jobs);
      if (result.kind === "superseded") continue;
      if (result.kind === "refused")
        return run.finish(
          "failed",
          record.status === "reverting" ? `revert failed: ${result.reason}` : result.reason,
        );
      if (result.kind === "done") return run.finish(record.status === "reverting" ? "reverted" : "succeeded");
      if (record.status === "reverting") return run.finish("failed", `revert failed: ${result.reason}`);
      if (!(run.service.rollout.autoRevert && record.kind === "deploy" && record.previousValue !== undefined))
        return run.finish("failed", result.reason);
      if (!(await this.revertKey(run, result.reason))) return run.finish("failed", result.reason);
    }
  }

  /**
   * One pass forward or back. A register refused for good (the job keeps changing, no stored
   * submission, a job that does not parse) ends the pass `refused` with its message.
   */
  private async pass(
    run: RedeployRun,
    jobs: RedeployJob[],
  ): Promise<PassResult | { kind: "refused"; reason: string }> {
    try {
      return run.record.status === "reverting"
        ? await rollBack(run, this.deps, jobs)
        : await rollForward(run, this.deps, jobs);
    } catch (err) {
      if (err instanceof LeadershipLostError || run.ctx.signal.aborted) throw err;
      if (!(err instanceof TagrollError) || err instanceof UpstreamUnavailableError) throw err;
      run.ctx.logger.error({ err: err.message }, "redeploy refused");
      // Nothing was changed for a value Nomad refused (or a job tagroll may not touch): nothing to revert.
      return { kind: "refused", reason: err.message };
    }
  }

  /** autoRevert: the previous value back into the key; true once written (the record is `reverting`). */
  private async revertKey(run: RedeployRun, reason: string): Promise<boolean> {
    const { record, ctx } = run;
    const previous = record.previousValue as string;
    const digest = revertDigest(run.service, record);
    const write = await retrying(ctx, () => this.o.revertValue(record.key, record.value, previous, digest));
    if (!write.written) {
      // Someone wrote a newer value: it supersedes once the watcher has delivered it.
      if (write.current === undefined || write.current === record.value) return false;
      const until = ctx.clock.now() + NEWER_VALUE_WAIT_MS;
      while (newerValue(run) === undefined && ctx.clock.now() < until)
        await ctx.clock.sleep(ctx.timing.pollMs, ctx.signal);
      return newerValue(run) !== undefined;
    }
    run.wrote(previous);
    record.status = "reverting";
    record.error = reason;
    await run.save();
    run.emit({
      type: "rollout-reverting",
      service: record.service,
      rolloutId: record.id,
      at: ctx.clock.now(),
      from: record.value,
      to: previous,
      reason,
    });
    ctx.logger.warn({ reason, to: previous }, "redeploy failed; reverting");
    return true;
  }

  private supersede(run: RedeployRun, latest: string): void {
    const { record } = run;
    const from = supersedeRecord(record, latest);
    run.emit({
      type: "rollout-superseded",
      service: record.service,
      rolloutId: record.id,
      at: run.ctx.clock.now(),
      from,
      to: latest,
    });
    run.ctx.logger.info({ from, to: latest }, "rollout superseded by a newer value");
  }

  /** The service's jobs (config list and meta opt-in), once each. */
  private async jobs(service: ServiceConfig, run: RedeployRun): Promise<RedeployJob[]> {
    const groups = await resolveTargets(service, run.ctx.nomad, this.o.nomadDefaults, run.ctx.logger);
    const jobs = new Map<string, RedeployJob>();
    for (const g of groups)
      jobs.set(`${g.namespace}/${g.jobId}`, { jobId: g.jobId, namespace: g.namespace, scope: g.scope });
    return [...jobs.values()];
  }
}
