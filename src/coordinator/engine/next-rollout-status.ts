import type { PhaseResult } from "./run-phase.js";
import { isActive, phaseValue, type RolloutRecord } from "../model/index.js";

/** Result of writing the previous value back: not written when someone changed the key meanwhile. */
export type RevertWrite = { written: true } | { written: false; current: string | undefined };

/** How the allocations are (re)planned before a pass; see rollout-plan.ts. */
export type RolloutPlan = "fresh" | "supersede" | "revert";

/** What the engine did last for this record. */
export type LastStep =
  /** Nothing yet: the rollout was just started, or resumed from its record. */
  | { kind: "started" }
  /** A pass over the allocations ended (see runPhase). */
  | { kind: "pass"; result: PhaseResult }
  /** autoRevert tried to write the previous value back after a pass failed with `reason`. */
  | { kind: "revert-write"; write: RevertWrite; reason: string };

export interface RolloutObservations {
  /** The newest desired value the watcher has seen. */
  latest: string | undefined;
  /** The service's `rollout.autoRevert`. */
  autoRevert: boolean;
  last: LastStep;
}

/** What the engine does next. */
export type RolloutAction =
  /**
   * Move the allocations to the record's phase value, batch by batch. First, when set:
   * `supersede` — take the newer value on; `plan` — list the allocations and plan them.
   */
  | { kind: "pass"; supersede?: string; plan?: RolloutPlan }
  /** Write `previousValue` back (CAS on the failing value); the record turns `reverting` if it lands. */
  | { kind: "revert"; reason: string }
  /** The rollout ends with this status (persisted, appended to history, announced). */
  | { kind: "finish"; status: "succeeded" | "reverted" | "failed"; error?: string }
  /** The record is already final: nothing to do. */
  | { kind: "none" };

/**
 * The rollout's decision, pure: from the record and what was observed since the last step, the
 * one thing to do next. The engine (rollout-engine.ts) runs the action, observes, and asks again.
 *
 * - started: a first pass; planned afresh when the record has no allocations yet;
 * - a newer desired value supersedes before any pass (finishing the batch in flight first:
 *   passes end "superseded" between batches), and re-plans every running allocation;
 * - a pass that is done ends the rollout `succeeded`, or `reverted` when it was reverting;
 * - a failed pass of a `deploy` that may revert writes the previous value back; any other
 *   failure ends the rollout `failed` (a failed revert says so);
 * - a revert write that landed re-plans for the previous value; one refused because someone
 *   wrote a newer value continues (that value supersedes); otherwise the rollout fails.
 */
export function nextRolloutStatus(record: RolloutRecord, observations: RolloutObservations): RolloutAction {
  if (!isActive(record)) return { kind: "none" };
  const { last, latest } = observations;
  switch (last.kind) {
    case "started":
      return pass(record, latest, record.allocs.length === 0 ? "fresh" : undefined);
    case "pass": {
      const result = last.result;
      if (result.kind === "superseded") return pass(record, latest, undefined);
      if (result.kind === "done")
        return { kind: "finish", status: record.status === "reverting" ? "reverted" : "succeeded" };
      if (mayRevert(record, observations.autoRevert)) return { kind: "revert", reason: result.reason };
      return failed(record, result.reason);
    }
    case "revert-write":
      if (last.write.written) return pass(record, latest, "revert");
      // Someone wrote a newer value meanwhile: that value supersedes, nothing to revert to.
      if (last.write.current !== undefined && last.write.current !== record.value)
        return pass(record, latest, undefined);
      return failed(record, last.reason);
  }
}

/** A newer desired value that the rollout is not already moving to. */
export function supersedes(record: RolloutRecord, latest: string | undefined): latest is string {
  return latest !== undefined && record.kind !== "adopted" && latest !== phaseValue(record);
}

function pass(
  record: RolloutRecord,
  latest: string | undefined,
  plan: RolloutPlan | undefined,
): RolloutAction {
  if (supersedes(record, latest)) return { kind: "pass", supersede: latest, plan: "supersede" };
  return plan ? { kind: "pass", plan } : { kind: "pass" };
}

function mayRevert(record: RolloutRecord, autoRevert: boolean): boolean {
  return (
    record.status === "running" &&
    autoRevert &&
    record.kind === "deploy" &&
    record.previousValue !== undefined
  );
}

function failed(record: RolloutRecord, reason: string): RolloutAction {
  const error = record.status === "reverting" ? `revert failed: ${reason}` : reason;
  return { kind: "finish", status: "failed", error };
}
