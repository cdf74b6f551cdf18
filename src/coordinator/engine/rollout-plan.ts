import type { NomadAllocation } from "../../nomad/nomad-api.js";
import { phaseValue, type AllocProgress, type RolloutRecord } from "../model/index.js";
import type { GroupTarget } from "../targets/index.js";

/** The running allocations of one target group, as listed right now. */
export interface GroupListing {
  target: GroupTarget;
  running: NomadAllocation[];
}

export function belongsTo(entry: AllocProgress, target: GroupTarget): boolean {
  return entry.jobId === target.jobId && entry.namespace === target.namespace && entry.group === target.group;
}

/** Done for this phase: restarted for `value` and found healthy. */
export function isDone(entry: AllocProgress, value: string): boolean {
  return entry.state === "healthy" && entry.restartedFor === value;
}

/**
 * A fresh rollout is responsible for the allocations running now, i.e. after the new value was
 * written. Any allocation placed later (reschedule, scale-up) renders the new value when it
 * starts, so it is left alone (ARCHITECTURE.md, "Placements during a rollout").
 */
export function planFresh(listings: GroupListing[], now: number): AllocProgress[] {
  return listings.flatMap(({ running }) => running.map((alloc) => newEntry(alloc, now)));
}

/**
 * A newer value superseded the rollout: every allocation running now must end on it — those
 * restarted for the older value included, and those placed while the older value was current.
 */
export function planSupersede(record: RolloutRecord, listings: GroupListing[], now: number): void {
  // Called once `record.value` names the newer value.
  record.allocs = replan(record, listings, now, () => true);
}

/**
 * Reverting: the allocations the rollout touched go back to the previous value, and so do the
 * ones placed during the rollout (they started with the failing value). Allocations the rollout
 * never restarted still run the previous value and are left out.
 */
export function planRevert(record: RolloutRecord, listings: GroupListing[], now: number): void {
  // Called once `record.status` is "reverting".
  record.allocs = replan(
    record,
    listings,
    now,
    (entry) => entry === undefined || entry.restartedFor !== undefined,
  );
}

/** Removes entries whose allocation no longer runs; returns them. */
export function dropVanished(record: RolloutRecord, listing: GroupListing): AllocProgress[] {
  const running = new Set(listing.running.map((a) => a.ID));
  const gone = record.allocs.filter((e) => belongsTo(e, listing.target) && !running.has(e.allocId));
  record.allocs = record.allocs.filter((e) => !gone.includes(e));
  return gone;
}

function replan(
  record: RolloutRecord,
  listings: GroupListing[],
  now: number,
  include: (entry: AllocProgress | undefined) => boolean,
): AllocProgress[] {
  const byId = new Map(record.allocs.map((e) => [e.allocId, e]));
  const next: AllocProgress[] = [];
  for (const { running } of listings) {
    for (const alloc of running) {
      const entry = byId.get(alloc.ID);
      if (!include(entry)) continue;
      if (!entry) next.push(newEntry(alloc, now));
      else
        next.push(isDone(entry, phaseValue(record)) ? entry : { ...entry, state: "pending", updatedAt: now });
    }
  }
  return next;
}

function newEntry(alloc: NomadAllocation, now: number): AllocProgress {
  return {
    allocId: alloc.ID,
    name: alloc.Name,
    jobId: alloc.JobID,
    namespace: alloc.Namespace,
    group: alloc.TaskGroup,
    state: "pending",
    updatedAt: now,
  };
}
