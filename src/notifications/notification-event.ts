/**
 * What a notification target is told (README, "Notifications"). Rollout events come from the
 * coordinator's observers (src/coordinator/model/rollout-events.ts, mapped in
 * rollout-notifications.ts); approval and schedule events are announced by whoever decides that a
 * value waits, through `Notifier.notify`. `at` is epoch ms from the coordinator's clock.
 */
export const NOTIFICATION_KINDS = [
  "rollout-started",
  "rollout-succeeded",
  "rollout-failed",
  "rollout-reverted",
  "approval-needed",
  "value-scheduled",
] as const;

export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

interface EventBase {
  service: string;
  /** The desired value the event is about. */
  value: string;
  at: number;
}

export interface RolloutStartedNotice extends EventBase {
  kind: "rollout-started";
  rolloutId: string;
  /** `deploy` (a new value) or `restart` (a rolling restart, same value). */
  rolloutKind: "deploy" | "restart";
  previousValue?: string;
}

export interface RolloutFinishedNotice extends EventBase {
  kind: "rollout-succeeded" | "rollout-failed" | "rollout-reverted";
  rolloutId: string;
  rolloutKind: "deploy" | "restart";
  previousValue?: string;
  durationMs: number;
  error?: string;
  /** On `rollout-reverted`: the value written back (`value` is the one that failed). */
  revertedTo?: string;
}

/** A value waits for `required` distinct approvals before it rolls out. */
export interface ApprovalNeededNotice extends EventBase {
  kind: "approval-needed";
  required: number;
  /** Approvals it has so far. */
  approvals: number;
  /** Epoch ms after which the waiting value is dropped. */
  expiresAt?: number;
}

/** A value arrived outside the service's deploy windows and starts when one opens. */
export interface ValueScheduledNotice extends EventBase {
  kind: "value-scheduled";
  /** Epoch ms when the next window opens. */
  opensAt?: number;
}

export type NotificationEvent =
  RolloutStartedNotice | RolloutFinishedNotice | ApprovalNeededNotice | ValueScheduledNotice;

/**
 * The one method the rest of tagroll calls to announce something. It returns at once and never
 * throws: delivery happens in the background (delivery-queue.ts), so a slow or dead receiver can
 * never hold up a rollout.
 */
export interface NotificationSink {
  notify(event: NotificationEvent): void;
}
