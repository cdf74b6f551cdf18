import type { Logger } from "../../core/logger.js";
import type { AllocStepState, RolloutKind, RolloutStatus } from "./rollout-record.js";
import type { WaitingView } from "../../gates/gate-record.js";

/** Fields every rollout event carries. `at` is epoch ms from the coordinator's clock. */
interface RolloutEventBase {
  service: string;
  rolloutId: string;
  at: number;
}

export interface RolloutStartedEvent extends RolloutEventBase {
  type: "rollout-started";
  kind: RolloutKind;
  value: string;
  previousValue?: string;
  /** True when a new leader (or a restarted process) picked up a persisted rollout. */
  resumed: boolean;
}

export interface AllocStepEvent extends RolloutEventBase {
  type: "alloc-step";
  allocId: string;
  allocName: string;
  jobId: string;
  group: string;
  /** The step the allocation entered; `dropped` when it went away and left the plan. */
  step: AllocStepState | "dropped";
  /** The value the allocation is being moved to. */
  value: string;
  error?: string;
  /** On `restarting`: why this restart goes out undrained (see AllocProgress.undrained). */
  undrained?: string;
}

export interface RolloutSupersededEvent extends RolloutEventBase {
  type: "rollout-superseded";
  from: string;
  to: string;
}

export interface RolloutRevertingEvent extends RolloutEventBase {
  type: "rollout-reverting";
  from: string;
  to: string;
  reason: string;
}

export interface RolloutFinishedEvent extends RolloutEventBase {
  type: "rollout-finished";
  status: RolloutStatus;
  value: string;
  durationMs: number;
  error?: string;
}

/** An allocation whose rendered value differs from the desired one while no rollout runs. */
export interface DriftEvent {
  type: "drift";
  service: string;
  allocId: string;
  desired: string;
  rendered: string | undefined;
  at: number;
}

export interface LeadershipEvent {
  type: "leadership";
  leader: boolean;
  at: number;
}

/**
 * Something happened at a service's gate (README, "Approvals, deploy windows and promotion"):
 * a value started waiting for approval or a window, was released, expired, was replaced by a
 * newer one, or was promoted to another service. `waiting` is what waits after the change.
 */
export interface GateEvent {
  type: "gate";
  service: string;
  change:
    | "pending-approval"
    | "scheduled"
    | "released"
    | "expired"
    | "replaced"
    | "promoted"
    // A promotion to another Consul/Nomad pair could not be delivered yet; it is retried.
    | "promotion-failed";
  value: string;
  message: string;
  waiting: WaitingView | null;
  /** For `promoted`: the service the value was proposed to. */
  to?: string;
  /** A new leader's first look found the value already waiting (told once per term, not new). */
  resumed?: boolean;
  at: number;
}

// --- Nomad event stream (issue 14; src/coordinator/nomad-events/) ---
/**
 * The leader's subscription to Nomad's event stream connected, dropped (retried), was refused
 * for this term, or stopped because the term ended. `gap-unchecked`: after a reconnect, what
 * changed in Nomad while the stream was away could not be listed (tried again every 30 s);
 * `gap-checked`: a later try did. Neither says anything about the connection itself.
 */
export interface NomadEventsEvent {
  type: "nomad-events";
  state: "connected" | "disconnected" | "refused" | "stopped" | "gap-unchecked" | "gap-checked";
  reason?: string;
  at: number;
}
// --- end Nomad event stream ---

export type RolloutEvent =
  | RolloutStartedEvent
  | AllocStepEvent
  | RolloutSupersededEvent
  | RolloutRevertingEvent
  | RolloutFinishedEvent;

export type CoordinatorEvent = RolloutEvent | DriftEvent | LeadershipEvent | GateEvent | NomadEventsEvent;

/**
 * What the status page and metrics listen to. Every method is optional; observers must not
 * throw (a throw is logged and ignored — a metrics bug must not stop a rollout).
 */
export interface RolloutObserver {
  onRolloutStarted?(event: RolloutStartedEvent): void;
  onAllocStep?(event: AllocStepEvent): void;
  onRolloutSuperseded?(event: RolloutSupersededEvent): void;
  onRolloutReverting?(event: RolloutRevertingEvent): void;
  onRolloutFinished?(event: RolloutFinishedEvent): void;
  onDrift?(event: DriftEvent): void;
  onLeadershipChanged?(event: LeadershipEvent): void;
  onGate?(event: GateEvent): void;
  onNomadEvents?(event: NomadEventsEvent): void;
}

/** Delivers one event to every observer by its type. */
export function notify(observers: readonly RolloutObserver[], event: CoordinatorEvent, logger: Logger): void {
  for (const observer of observers) {
    try {
      dispatch(observer, event);
    } catch (err) {
      logger.warn({ err, event: event.type }, "rollout observer threw");
    }
  }
}

function dispatch(observer: RolloutObserver, event: CoordinatorEvent): void {
  switch (event.type) {
    case "rollout-started":
      return observer.onRolloutStarted?.(event);
    case "alloc-step":
      return observer.onAllocStep?.(event);
    case "rollout-superseded":
      return observer.onRolloutSuperseded?.(event);
    case "rollout-reverting":
      return observer.onRolloutReverting?.(event);
    case "rollout-finished":
      return observer.onRolloutFinished?.(event);
    case "drift":
      return observer.onDrift?.(event);
    case "leadership":
      return observer.onLeadershipChanged?.(event);
    case "gate":
      return observer.onGate?.(event);
    case "nomad-events":
      return observer.onNomadEvents?.(event);
  }
}

/** An observer that hands every event to one function (handy for `--wait`, logs, tests). */
export function observeAll(listener: (event: CoordinatorEvent) => void): RolloutObserver {
  return {
    onRolloutStarted: listener,
    onAllocStep: listener,
    onRolloutSuperseded: listener,
    onRolloutReverting: listener,
    onRolloutFinished: listener,
    onDrift: listener,
    onLeadershipChanged: listener,
    onGate: listener,
  };
}
