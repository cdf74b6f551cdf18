/**
 * The gate record persisted at `tagroll/gates/<service>` (src/state/kv-layout.ts): what the
 * service's gate holds back and why (README, "Approvals, deploy windows and promotion"). The
 * API and the CLI add approvals, rejections and `deploy --now` overrides to it with a
 * compare-and-set; only the leader's gate (src/coordinator/gates/) lets a value through, so a
 * new leader finds the waiting state exactly where the last one left it.
 */

export type WaitingKind = "pending-approval" | "scheduled";

export interface Approval {
  /** The approver: the API token's subject, or `cli:<user>` in the CLI's local mode. */
  by: string;
  at: number;
}

export interface WaitingValue {
  value: string;
  kind: WaitingKind;
  /** When the gate started holding the value. */
  since: number;
  /** Distinct approvers, oldest first. */
  approvals: Approval[];
  required: number;
  /** A pending approval is dropped at this time (`approvals.expire`). */
  expiresAt?: number;
  /** When the next deploy window opens (scheduled values, or approved ones once approved). */
  opensAt?: number;
  /** The service whose successful rollout proposed this value (promotion). */
  from?: string;
  /**
   * The digest pushed with the value (same transaction as the tag), for a service that pins
   * digests: parking puts the running digest back beside the running tag, and the release puts
   * this one back beside the value (README, "Approvals, deploy windows and promotion").
   */
  digest?: string;
}

export interface GateRecord {
  version: 1;
  service: string;
  waiting?: WaitingValue;
  /** The newest value the gate let through; the runner may roll it out. */
  released?: { value: string; at: number; how: "approved" | "window" | "override" };
  /**
   * A value rejected or expired. While the key still holds it (the write-back of the running
   * value could not land), it is held without asking again.
   */
  dropped?: { value: string; at: number; why: "rejected" | "expired" };
  /** `tagroll deploy --now`: an admin let this value skip the deploy window (and approved it). */
  override?: { value: string; by: string; at: number };
  /** A promotion proposed this value here: it needs at least `approvals` approvals. */
  proposal?: { value: string; from: string; approvals: number; at: number };
  /**
   * Promotion from this service: the id of the newest rollout record already handled. `null`:
   * none yet, promote the next succeeded one. Absent: not initialised (see promotion.ts).
   */
  promotedRollout?: string | null;
  /**
   * A promotion to a service on another Consul/Nomad pair not delivered yet (README, "Promotion
   * to another cluster"): the leader's RemotePromoter retries it with backoff until that pair's
   * Consul takes it; kept here so a new leader goes on with it.
   */
  remotePromotion?: PendingPromotion;
}

export interface PendingPromotion {
  to: string;
  value: string;
  rolloutId: string;
  since: number;
  attempts: number;
  lastError?: string;
  lastAttemptAt?: number;
}

/** `waiting` as status, the API and the status page show it: times as ISO-8601. */
export interface WaitingView {
  kind: WaitingKind;
  value: string;
  since: string;
  approvals: Array<{ by: string; at: string }>;
  required: number;
  expiresAt?: string;
  opensAt?: string;
  from?: string;
  digest?: string;
}

export function emptyGate(service: string): GateRecord {
  return { version: 1, service };
}

/** Parses a stored record; a broken one reads as empty (nothing waits), never throws. */
export function parseGateRecord(service: string, raw: string | undefined): GateRecord {
  if (raw === undefined || raw === "") return emptyGate(service);
  try {
    const value = JSON.parse(raw) as Partial<GateRecord> | null;
    if (value?.version !== 1 || value.service !== service) return emptyGate(service);
    return value as GateRecord;
  } catch {
    return emptyGate(service);
  }
}

export function waitingView(waiting: WaitingValue | undefined): WaitingView | null {
  if (!waiting) return null;
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    kind: waiting.kind,
    value: waiting.value,
    since: iso(waiting.since),
    approvals: waiting.approvals.map((a) => ({ by: a.by, at: iso(a.at) })),
    required: waiting.required,
    ...(waiting.expiresAt !== undefined && { expiresAt: iso(waiting.expiresAt) }),
    ...(waiting.opensAt !== undefined && { opensAt: iso(waiting.opensAt) }),
    ...(waiting.from !== undefined && { from: waiting.from }),
    ...(waiting.digest !== undefined && { digest: waiting.digest }),
  };
}

/** A pending promotion to another pair as status shows it (src/operations/service-status.ts). */
export function promotionView(p: PendingPromotion) {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    to: p.to,
    value: p.value,
    since: iso(p.since),
    attempts: p.attempts,
    ...(p.lastError !== undefined && { lastError: p.lastError }),
    ...(p.lastAttemptAt !== undefined && { lastAttemptAt: iso(p.lastAttemptAt) }),
  };
}
