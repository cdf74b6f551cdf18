import type { CoordinatorEvent, GateEvent } from "../coordinator/index.js";
import type { NotificationEvent, RolloutFinishedNotice } from "./notification-event.js";

interface Started {
  value: string;
  previousValue?: string;
  rolloutKind: "deploy" | "restart";
}

/**
 * Turns the coordinator's rollout events (src/coordinator/model/rollout-events.ts) into
 * notifications: one when a rollout starts, one when it ends. A rollout picked up again by a new
 * leader (`resumed`) was announced by the leader that started it, so it is not announced twice;
 * its start is still remembered so its end reads right. Baselines (`adopted`) restart nothing and
 * are not announced. Entries live from a rollout's start to its end, or until leadership goes.
 */
export function rolloutNotifications(): (event: CoordinatorEvent) => NotificationEvent | undefined {
  const started = new Map<string, Started>();
  return (event) => {
    switch (event.type) {
      case "rollout-started": {
        if (event.kind === "adopted") return undefined;
        const info: Started = {
          value: event.value,
          rolloutKind: event.kind,
          ...(event.previousValue !== undefined && { previousValue: event.previousValue }),
        };
        started.set(event.rolloutId, info);
        if (event.resumed) return undefined;
        return {
          kind: "rollout-started",
          service: event.service,
          rolloutId: event.rolloutId,
          at: event.at,
          ...info,
        };
      }
      case "rollout-superseded": {
        const info = started.get(event.rolloutId);
        if (info) info.value = event.to;
        return undefined;
      }
      case "rollout-finished": {
        const info = started.get(event.rolloutId);
        started.delete(event.rolloutId);
        const kind = FINISHED[event.status];
        if (kind === undefined) return undefined;
        const notice: RolloutFinishedNotice = {
          kind,
          service: event.service,
          rolloutId: event.rolloutId,
          rolloutKind: info?.rolloutKind ?? "deploy",
          // A reverted rollout's event names the value written back; the notice leads with the failed one.
          value: kind === "rollout-reverted" ? (info?.value ?? event.value) : event.value,
          durationMs: event.durationMs,
          at: event.at,
          ...(info?.previousValue !== undefined && { previousValue: info.previousValue }),
          ...(event.error !== undefined && { error: event.error }),
          ...(kind === "rollout-reverted" && { revertedTo: event.value }),
        };
        return notice;
      }
      case "leadership":
        if (!event.leader) started.clear();
        return undefined;
      case "gate":
        return gateNotification(event);
      default:
        return undefined;
    }
  };
}

const FINISHED: Partial<Record<string, RolloutFinishedNotice["kind"]>> = {
  succeeded: "rollout-succeeded",
  failed: "rollout-failed",
  reverted: "rollout-reverted",
};

/**
 * A value the service's gate holds back (src/coordinator/gates/): approval needed, or scheduled
 * for its next deploy window. A new leader re-telling what already waited (`resumed`) was
 * announced when the value first arrived.
 */
function gateNotification(event: GateEvent): NotificationEvent | undefined {
  const waiting = event.waiting;
  if (event.resumed || waiting === null || waiting.value !== event.value) return undefined;
  const epoch = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));
  const base = { service: event.service, value: event.value, at: event.at };
  if (event.change === "pending-approval") {
    const expiresAt = epoch(waiting.expiresAt);
    return {
      kind: "approval-needed",
      ...base,
      required: waiting.required,
      approvals: waiting.approvals.length,
      ...(expiresAt !== undefined && { expiresAt }),
    };
  }
  if (event.change === "scheduled") {
    const opensAt = epoch(waiting.opensAt);
    return { kind: "value-scheduled", ...base, ...(opensAt !== undefined && { opensAt }) };
  }
  return undefined;
}
