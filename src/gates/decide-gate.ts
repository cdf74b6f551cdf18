import type { ServiceConfig } from "../config/types.js";
import { isOpen, nextOpen, type DeployWindow } from "./deploy-window.js";
import type { GateRecord, WaitingValue } from "./gate-record.js";

/** A service's gate settings (config `approvals` and `windows`). */
export interface GatePolicy {
  /** Distinct approvals a new value needs; 0 for none. */
  required: number;
  /** A pending approval older than this is dropped. */
  expireMs?: number;
  windows: DeployWindow[];
}

export function gatePolicy(service: ServiceConfig): GatePolicy {
  return {
    required: service.approvals?.required ?? 0,
    ...(service.approvals?.expireMs !== undefined && { expireMs: service.approvals.expireMs }),
    windows: service.windows ?? [],
  };
}

export type GateNoteKind = "pending-approval" | "scheduled" | "expired" | "replaced" | "released";

/** One thing that happened at the gate: recorded in history and told to observers. */
export interface GateNote {
  kind: GateNoteKind;
  value: string;
  message: string;
}

export interface GateInput {
  policy: GatePolicy;
  gate: GateRecord;
  /** The key's value as the watcher saw it last. */
  latest: string | undefined;
  /** The value the service runs or is being rolled out to (the rollout record's). */
  settled: string | undefined;
  /** First sight with no rollout record: the runner adopts the value, nothing restarts. */
  adopting: boolean;
  now: number;
}

export interface GateDecision {
  /** The value the runner may act on; undefined: nothing to hand it. */
  admit: string | undefined;
  /** The record to persist, when it changed. */
  next?: GateRecord;
  notes: GateNote[];
  /** Park a held value: put the running value back into the key (only while it holds `from`). */
  writeBack?: { from: string; to: string };
  /** A released value that is parked: put it into the key (only while it holds `from`), first. */
  writeForward?: { from: string; to: string };
  /** Look again at this time (an approval expiring, a window opening). */
  wakeAt?: number;
}

/**
 * The gate in front of a service's runner (README, "Approvals, deploy windows and promotion"),
 * pure: from the stored gate record, the key's newest value and the value the service runs, which
 * value the runner may act on and what changes. A value equal to the running one passes; a new
 * one waits as `pending-approval` until enough distinct approvers approved it (or is dropped when
 * it expires), then as `scheduled` until a deploy window is open, then is released. A newer value
 * replaces the waiting one. `deploy --now` (the `override`) counts as its author's approval and
 * skips the window.
 */
export function decideGate(input: GateInput): GateDecision {
  const decision = decide(input);
  // Only a real change is written: the gate looks again on every key change and timer.
  if (decision.next && JSON.stringify(decision.next) === JSON.stringify(input.gate)) delete decision.next;
  return decision;
}

function decide(input: GateInput): GateDecision {
  const { latest, settled, policy } = input;
  const gate = structuredClone(input.gate);
  const notes: GateNote[] = [];
  if (latest === undefined) return { admit: undefined, notes };
  if (input.adopting || latest === settled || gate.released?.value === latest) {
    if (latest === settled) delete gate.dropped;
    // The key holds what runs (or a released value): a value parked here waits on regardless.
    return judge(input, gate, notes, { admit: latest, inKey: false, created: false });
  }
  if (gate.dropped?.value === latest) return { admit: settled, next: gate, notes, ...park(latest, settled) };
  let created = false;
  if (gate.waiting?.value !== latest) {
    if (gate.waiting)
      notes.push(note("replaced", gate.waiting.value, `replaced by ${latest} before it rolled out`));
    delete gate.waiting;
    if (requiredFor(policy, gate, latest) === 0 && policy.windows.length === 0) {
      // Nothing to wait for (a promoting service without approvals or windows of its own).
      return { admit: latest, next: gate, notes };
    }
    gate.waiting = newWaiting(policy, gate, latest, input.now);
    created = true;
  }
  return judge(input, gate, notes, { admit: settled, inKey: true, created });
}

/**
 * Approvals, expiry and windows of the waiting value. While it waits it is parked: the key gets
 * the running value back (`writeBack`), so allocations that Nomad starts or restarts meanwhile —
 * and a rollout still in flight — render what runs, not what waits. Once released it goes back
 * into the key (`writeForward`) and from there to the runner.
 */
function judge(
  input: GateInput,
  gate: GateRecord,
  notes: GateNote[],
  at: { admit: string | undefined; inKey: boolean; created: boolean },
): GateDecision {
  const waiting = gate.waiting;
  const base = { admit: at.admit, next: gate, notes };
  if (!waiting) return base;
  const { now, policy } = input;
  const parked = at.inKey ? park(waiting.value, input.settled) : {};
  const override = gate.override?.value === waiting.value ? gate.override : undefined;
  const approvers = new Set([...waiting.approvals.map((a) => a.by), ...(override ? [override.by] : [])]);
  if (approvers.size < waiting.required) {
    if (waiting.expiresAt !== undefined && waiting.expiresAt <= now) {
      delete gate.waiting;
      gate.dropped = { value: waiting.value, at: now, why: "expired" };
      const count = `${approvers.size}/${waiting.required}`;
      notes.push(note("expired", waiting.value, `not approved in time (${count})`));
      return { ...base, ...parked };
    }
    if (at.created) notes.push(note("pending-approval", waiting.value, pendingMessage(waiting)));
    return { ...base, ...parked, ...(waiting.expiresAt !== undefined && { wakeAt: waiting.expiresAt }) };
  }
  if (override || isOpen(policy.windows, now)) {
    delete gate.waiting;
    delete gate.override;
    if (gate.proposal?.value === waiting.value) delete gate.proposal;
    const how = override ? "override" : policy.windows.length > 0 ? "window" : "approved";
    gate.released = { value: waiting.value, at: now, how };
    notes.push(note("released", waiting.value, releaseMessage(how, override?.by)));
    if (at.inKey) return { admit: waiting.value, next: gate, notes };
    return { ...base, writeForward: { from: input.latest as string, to: waiting.value } };
  }
  const opensAt = nextOpen(policy.windows, now);
  if (waiting.kind !== "scheduled" || waiting.opensAt !== opensAt) {
    const first = waiting.kind !== "scheduled";
    waiting.kind = "scheduled";
    delete waiting.expiresAt;
    if (opensAt !== undefined) waiting.opensAt = opensAt;
    if (first) notes.push(note("scheduled", waiting.value, scheduledMessage(policy, opensAt)));
  }
  return { ...base, ...parked, ...(opensAt !== undefined && { wakeAt: opensAt }) };
}

/** Puts the running value back into a key that holds a value the gate keeps (when one runs). */
function park(value: string, settled: string | undefined): Pick<GateDecision, "writeBack"> {
  return settled === undefined ? {} : { writeBack: { from: value, to: settled } };
}

/** The service's own approvals, or more when a promotion proposed the value asking for more. */
function requiredFor(policy: GatePolicy, gate: GateRecord, value: string): number {
  return Math.max(policy.required, gate.proposal?.value === value ? gate.proposal.approvals : 0);
}

function newWaiting(policy: GatePolicy, gate: GateRecord, value: string, now: number): WaitingValue {
  const proposal = gate.proposal?.value === value ? gate.proposal : undefined;
  const required = requiredFor(policy, gate, value);
  return {
    value,
    kind: "pending-approval",
    since: now,
    approvals: [],
    required,
    ...(required > 0 && policy.expireMs !== undefined && { expiresAt: now + policy.expireMs }),
    ...(proposal && { from: proposal.from }),
  };
}

function note(kind: GateNoteKind, value: string, message: string): GateNote {
  return { kind, value, message };
}

function pendingMessage(waiting: WaitingValue): string {
  const from = waiting.from ? ` (promoted from ${waiting.from})` : "";
  const expires = waiting.expiresAt ? `, expires ${new Date(waiting.expiresAt).toISOString()}` : "";
  return `waits for ${waiting.required} approval${waiting.required === 1 ? "" : "s"}${from}${expires}`;
}

function scheduledMessage(policy: GatePolicy, opensAt: number | undefined): string {
  const when = opensAt === undefined ? "" : ` at ${new Date(opensAt).toISOString()}`;
  return `outside the deploy windows (${policy.windows.map((w) => w.text).join("; ")}); starts${when}`;
}

function releaseMessage(how: "approved" | "window" | "override", by: string | undefined): string {
  if (how === "override") return `deploy --now by ${by ?? "an admin"}: starting outside the deploy window`;
  return how === "window" ? "the deploy window is open: starting" : "approved: starting";
}
