import type { RolloutEvent } from "./rollout-events.js";
import { FINAL_STATUSES, phaseValue, type RolloutRecord } from "./rollout-record.js";

/**
 * The progress events that explain how a persisted rollout record went from `before` to `after`
 * — the same events the leader's observers got, rebuilt from what another process can read in
 * KV. This is how `tagroll deploy --wait` shows progress allocation by allocation while the
 * leader runs elsewhere. `before` undefined (or another rollout) means "everything is new".
 */
export function recordEvents(
  before: RolloutRecord | undefined,
  after: RolloutRecord,
  at: number,
): RolloutEvent[] {
  const base = { service: after.service, rolloutId: after.id, at };
  const events: RolloutEvent[] = [];
  const same = before?.id === after.id ? before : undefined;
  if (!same) {
    const started: RolloutEvent = {
      type: "rollout-started",
      ...base,
      kind: after.kind,
      value: after.value,
      resumed: false,
    };
    if (after.previousValue !== undefined) started.previousValue = after.previousValue;
    events.push(started);
  }
  if (same && same.value !== after.value) {
    events.push({ type: "rollout-superseded", ...base, from: same.value, to: after.value });
  }
  if (after.status === "reverting" && same?.status !== "reverting") {
    events.push({
      type: "rollout-reverting",
      ...base,
      from: after.value,
      to: after.previousValue ?? after.value,
      reason: after.error ?? "rollout failed",
    });
  }
  const previous = new Map((same?.allocs ?? []).map((a) => [a.allocId, a]));
  for (const alloc of after.allocs) {
    const was = previous.get(alloc.allocId);
    if (was && was.state === alloc.state && was.restartedFor === alloc.restartedFor) continue;
    if (!was && alloc.state === "pending") continue;
    const step: RolloutEvent = {
      type: "alloc-step",
      ...base,
      allocId: alloc.allocId,
      allocName: alloc.name,
      jobId: alloc.jobId,
      group: alloc.group,
      step: alloc.state,
      value: phaseValue(after),
    };
    if (alloc.error && alloc.state === "failed") step.error = alloc.error;
    if (alloc.undrained && alloc.state === "restarting") step.undrained = alloc.undrained;
    events.push(step);
  }
  if (FINAL_STATUSES.has(after.status) && !(same && FINAL_STATUSES.has(same.status))) {
    const finished: RolloutEvent = {
      type: "rollout-finished",
      ...base,
      status: after.status,
      value: phaseValue(after),
      durationMs: (after.finishedAt ?? at) - after.startedAt,
    };
    if (after.error !== undefined) finished.error = after.error;
    events.push(finished);
  }
  return events;
}
