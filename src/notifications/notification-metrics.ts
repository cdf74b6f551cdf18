import { Counter, Gauge, type Registry } from "prom-client";

/**
 * The notification series (README, "Notifications"), on the runtime's own registry. Labels are
 * target names (validated like service names), event kinds and fixed outcome words: no URL, no
 * secret, nothing unbounded.
 */
export interface NotificationMetrics {
  /** delivered | failed (gave up) | dropped (queue full, or tagroll stopping). */
  notifications: Counter<"target" | "event" | "outcome">;
  /** Every try: 2xx … 5xx, timeout, network. */
  attempts: Counter<"target" | "result">;
  queued: Gauge<"target">;
}

export function defineNotificationMetrics(registry: Registry): NotificationMetrics {
  const registers = [registry];
  return {
    notifications: new Counter({
      name: "tagroll_notifications_total",
      help: "Notifications by target, event and outcome (delivered, failed after every retry, dropped)",
      labelNames: ["target", "event", "outcome"],
      registers,
    }),
    attempts: new Counter({
      name: "tagroll_notification_attempts_total",
      help: "Notification delivery attempts by target and result (2xx, 4xx, 5xx, timeout, network, ...)",
      labelNames: ["target", "result"],
      registers,
    }),
    queued: new Gauge({
      name: "tagroll_notifications_queued",
      help: "Notifications waiting for delivery, per target",
      labelNames: ["target"],
      registers,
    }),
  };
}
