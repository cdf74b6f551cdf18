import { isNodeUnreachable } from "../../nomad/node-unreachable.js";
import type { ServiceConfig } from "../../config/types.js";
import { newWalk, type AllocTurn } from "../steps/index.js";
import { isInFlight, walkAlloc, type AllocOutcome } from "../steps/index.js";
import { isRunning } from "../targets/index.js";
import { LeadershipLostError } from "../leader/index.js";
import type { RolloutEvent } from "../model/index.js";
import { belongsTo, dropVanished, isDone } from "./rollout-plan.js";
import { phaseValue, type AllocProgress, type AllocStepState, type RolloutRecord } from "../model/index.js";
import { retrying, type StepContext } from "../steps/index.js";
import type { GroupTarget } from "../targets/index.js";

export type PhaseResult = { kind: "done" } | { kind: "superseded" } | { kind: "failed"; reason: string };

export interface PhaseHooks {
  save(): Promise<void>;
  emit(event: RolloutEvent): void;
  superseded(): boolean;
}

/**
 * Moves every planned allocation of every target to the record's phase value, group by group,
 * in batches of at most the group's `max_parallel`. Before each batch the group is listed again:
 * allocations that went away leave the plan, and a newer desired value ends the phase
 * ("superseded") — after the batch in flight has finished, never in the middle of one. A failed
 * allocation halts its batch-mates that have not restarted yet and ends the phase ("failed"),
 * so no further allocation is touched.
 */
export async function runPhase(
  ctx: StepContext,
  record: RolloutRecord,
  service: ServiceConfig,
  targets: GroupTarget[],
  hooks: PhaseHooks,
): Promise<PhaseResult> {
  const value = phaseValue(record);
  for (const target of targets) {
    for (;;) {
      const allocs = await retrying(ctx, () => ctx.nomad.jobAllocations(target.jobId, target.scope));
      const running = allocs.filter((a) => isRunning(a) && a.TaskGroup === target.group);
      const dropped = dropVanished(record, { target, running });
      dropped.forEach((entry) => hooks.emit(stepEvent(ctx, record, entry, "dropped", value)));
      if (dropped.length > 0) await hooks.save();
      const todo = record.allocs
        .filter((e) => belongsTo(e, target) && !isDone(e, value))
        .sort((a, b) => Number(isInFlight(b.state)) - Number(isInFlight(a.state)));
      if (todo.length === 0) break;
      if (hooks.superseded()) return { kind: "superseded" };
      const batch = todo.slice(0, target.params.maxParallel);
      const outcomes = await runBatch(ctx, record, service, target, value, batch, hooks);
      const gone = batch.filter((_, i) => outcomes[i] === "gone");
      record.allocs = record.allocs.filter((e) => !gone.includes(e));
      gone.forEach((entry) => hooks.emit(stepEvent(ctx, record, entry, "dropped", value)));
      const failed = batch.find((_, i) => outcomes[i] === "failed");
      if (failed) return { kind: "failed", reason: `${failed.name}: ${failed.error ?? "failed"}` };
      if (outcomes.includes("held")) return { kind: "superseded" };
    }
  }
  return { kind: "done" };
}

async function runBatch(
  ctx: StepContext,
  record: RolloutRecord,
  service: ServiceConfig,
  target: GroupTarget,
  value: string,
  batch: AllocProgress[],
  hooks: PhaseHooks,
): Promise<AllocOutcome[]> {
  let halted = false;
  const turn: AllocTurn = {
    ...ctx,
    logger: ctx.logger.child({ job: target.jobId, group: target.group }),
    target,
    value,
    // Only the forward phase knows its digest; a revert goes back to whatever the previous tag renders.
    digest: record.status === "running" ? record.digest : undefined,
    renderTimeoutMs: service.rollout.renderTimeoutMs,
    superseded: hooks.superseded,
    halted: () => halted,
    persist: async (entry, state, error) => {
      entry.state = state;
      entry.updatedAt = ctx.clock.now();
      if (error === undefined) delete entry.error;
      else entry.error = error;
      await hooks.save();
      hooks.emit(stepEvent(ctx, record, entry, state, value));
    },
  };
  const settled = await Promise.allSettled(
    batch.map(async (entry) => {
      const outcome = await walkAlloc(newWalk(turn, entry), turn.persist).catch((err: unknown) =>
        unexpected(turn, entry, err),
      );
      if (outcome === "failed") halted = true;
      return outcome;
    }),
  );
  const rejected = settled.find((s) => s.status === "rejected");
  if (rejected) throw rejected.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<AllocOutcome>).value);
}

/**
 * An error no step expected (Nomad refusing a restart, ACL, a bug) fails the allocation like an
 * unhealthy one would — so the rollout reverts instead of looping. Losing leadership does not.
 */
async function unexpected(turn: AllocTurn, entry: AllocProgress, err: unknown): Promise<AllocOutcome> {
  if (!(err instanceof LeadershipLostError) && !turn.signal.aborted && isNodeUnreachable(err)) {
    // Its node is lost or cut off: failing the rollout for it would revert every other allocation.
    // It leaves the plan like an allocation Nomad stopped; a replacement starts on the new value,
    // and if the node comes back on the old one, the reconcile sweep reports it as drift.
    turn.logger.warn(
      { err, allocId: entry.allocId },
      "the allocation's node cannot be reached; leaving it out",
    );
    return "gone";
  }
  if (err instanceof LeadershipLostError || turn.signal.aborted) throw err;
  turn.logger.error({ err, allocId: entry.allocId }, "unexpected error in a rollout step");
  await turn.persist(entry, "failed", err instanceof Error ? err.message : String(err));
  return "failed";
}

function stepEvent(
  ctx: StepContext,
  record: RolloutRecord,
  entry: AllocProgress,
  step: AllocStepState | "dropped",
  value: string,
): RolloutEvent {
  const event: RolloutEvent = {
    type: "alloc-step",
    service: record.service,
    rolloutId: record.id,
    at: ctx.clock.now(),
    allocId: entry.allocId,
    allocName: entry.name,
    jobId: entry.jobId,
    group: entry.group,
    step,
    value,
  };
  if (entry.error && step === "failed") event.error = entry.error;
  if (entry.undrained && step === "restarting") event.undrained = entry.undrained;
  return event;
}
