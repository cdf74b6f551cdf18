import type { NomadAllocation } from "../../nomad/nomad-api.js";
import { allocCondition, deadTask } from "../targets/index.js";
import { MAINTENANCE_CHECK } from "./drain-alloc.js";
import { retrying, type AllocRef, type Deadline, type StepContext } from "./step-context.js";
import type { GroupTarget } from "../targets/index.js";

export type HealthOutcome = { kind: "healthy" } | { kind: "gone" } | { kind: "failed"; reason: string };

interface Verdict {
  healthy: boolean;
  reason: string;
}

/**
 * Step 4: the allocation must be healthy — its Consul checks, or Nomad-native checks, or (with
 * no checks) its tasks running — and STAY healthy for `min_healthy_time`, all before the
 * deadline. Any lapse restarts the count, as does a task starting again (a crash loop between
 * two polls) or an unobserved stretch while an agent was unreachable. Nomad's own
 * DeploymentStatus.Healthy is not recomputed after an in-place restart, so tagroll judges itself.
 */
export async function healthGate(
  ctx: StepContext,
  ref: AllocRef,
  target: GroupTarget,
  tasks: string[],
  deadline: Deadline,
): Promise<HealthOutcome> {
  const minHealthy = target.params.minHealthyTimeMs;
  let passingSince: number | undefined;
  let starts = "";
  let reason = "not observed yet";
  let checksIndex = 0;
  for (;;) {
    const before = deadline.at;
    const alloc = await retrying(ctx, () => ctx.nomad.getAllocation(ref.allocId, ref.scope), deadline);
    const condition = allocCondition(alloc);
    if (condition === "gone") return { kind: "gone" };
    if (!alloc || condition === "failed")
      return { kind: "failed", reason: `allocation ${alloc?.ClientStatus ?? "vanished"}` };
    const dead = deadTask(alloc);
    if (dead) return { kind: "failed", reason: dead };
    const verdict = await judge(ctx, ref, target, alloc, tasks, deadline);
    const now = ctx.clock.now();
    const startsNow = startTimes(alloc);
    const continuous = startsNow === starts && deadline.at === before;
    starts = startsNow;
    if (!verdict.healthy) reason = verdict.reason;
    passingSince = verdict.healthy ? (continuous ? (passingSince ?? now) : now) : undefined;
    if (passingSince !== undefined && now - passingSince >= minHealthy) return { kind: "healthy" };
    if (deadline.passed(now)) {
      return {
        kind: "failed",
        reason: `not healthy for min_healthy_time within healthy_deadline (${reason})`,
      };
    }
    const left = passingSince === undefined ? Infinity : passingSince + minHealthy - now;
    checksIndex = await nextLook(ctx, ref, target, checksIndex, Math.max(1, left));
  }
}

/**
 * Waits until the next look at the allocation. For Consul checks that is a blocking query on them
 * (ServiceHealth.watchChecksForAlloc), so a check that flips is judged at once; it returns at the
 * latest after `timing.watchMs` (the task state is read again then) or when min_healthy_time is
 * up (`left`). Otherwise, or when the query fails, it sleeps `timing.pollMs`. Resolves the index
 * for the next blocking query (0: none yet).
 */
async function nextLook(
  ctx: StepContext,
  ref: AllocRef,
  target: GroupTarget,
  index: number,
  left: number,
): Promise<number> {
  const watch = ctx.health.watchChecksForAlloc?.bind(ctx.health);
  if (target.health === "consul" && watch) {
    try {
      const waitMs = Math.min(ctx.timing.watchMs, left);
      const started = ctx.clock.now();
      const next = (await watch(ref.allocId, index, waitMs, ctx.signal)).index;
      // The first query (index 0) answers at once: block from the second one on.
      if (index !== 0 || ctx.clock.now() - started >= waitMs) return next;
      return (await watch(ref.allocId, next, waitMs, ctx.signal)).index;
    } catch (err) {
      if (ctx.signal.aborted) throw err;
    }
  }
  await ctx.clock.sleep(Math.max(1, Math.min(ctx.timing.pollMs, left)), ctx.signal);
  return 0;
}

async function judge(
  ctx: StepContext,
  ref: AllocRef,
  target: GroupTarget,
  alloc: NomadAllocation,
  tasks: string[],
  deadline: Deadline,
): Promise<Verdict> {
  const down = tasks.filter((task) => alloc.TaskStates?.[task]?.State !== "running");
  if (down.length > 0) return { healthy: false, reason: `task ${down.join(", ")} not running` };
  switch (target.health) {
    case "consul": {
      // Our own drain (maintenance mode) is not the allocation's health.
      const checks = (await retrying(ctx, () => ctx.health.checksForAlloc(ref.allocId), deadline)).filter(
        (c) => !c.checkId.startsWith(MAINTENANCE_CHECK),
      );
      const failing = checks.filter((c) => c.status !== "passing");
      if (checks.length === 0) return { healthy: false, reason: "no Consul checks registered yet" };
      return {
        healthy: failing.length === 0,
        reason: failing.map((c) => `${c.checkId}: ${c.status}`).join("; "),
      };
    }
    case "nomad": {
      const results = await retrying(ctx, () => ctx.nomad.allocationChecks(ref.allocId, ref.scope), deadline);
      const checks = results.filter((c) => c.Mode === "healthiness");
      const failing = checks.filter((c) => c.Status !== "success");
      if (checks.length === 0) return { healthy: false, reason: "no Nomad checks reported yet" };
      return {
        healthy: failing.length === 0,
        reason: failing.map((c) => `${c.Check}: ${c.Status}`).join("; "),
      };
    }
    case "task":
      return { healthy: true, reason: "" };
  }
}

/** Fingerprint of every task's start time: it changes when any task starts again. */
function startTimes(alloc: NomadAllocation): string {
  return Object.entries(alloc.TaskStates ?? {})
    .map(([task, state]) => `${task}@${state.StartedAt ?? ""}`)
    .sort()
    .join(",");
}
