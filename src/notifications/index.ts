/** Notifications to webhook and Slack targets (README, "Notifications"). */
export {
  NOTIFICATION_KINDS,
  type NotificationEvent,
  type NotificationKind,
  type NotificationSink,
} from "./notification-event.js";
export { defineNotificationMetrics, type NotificationMetrics } from "./notification-metrics.js";
export { Notifier, type NotifierOptions } from "./notifier.js";
export { slackBody, webhookBody } from "./payloads.js";
export {
  signBody,
  verifyDelivery,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  DELIVERY_HEADER,
} from "./signature.js";
