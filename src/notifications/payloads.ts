import type { NotificationEvent } from "./notification-event.js";

/** Per attempt: what changes between two tries of one notification. */
export interface Attempt {
  deliveryId: string;
  /** Unix seconds, also sent as X-Tagroll-Timestamp. */
  timestamp: number;
  attempt: number;
}

/**
 * The JSON a `webhook` target receives (README, "Notifications"): the event's fields with its
 * kind as `event`, times as ISO 8601, plus the delivery id, attempt number and the `timestamp`
 * the signature covers.
 */
export function webhookBody(event: NotificationEvent, attempt: Attempt): string {
  const { kind, at, ...fields } = event;
  const times: Record<string, string> = {};
  if ("expiresAt" in event && event.expiresAt !== undefined) times["expiresAt"] = iso(event.expiresAt);
  if ("opensAt" in event && event.opensAt !== undefined) times["opensAt"] = iso(event.opensAt);
  return JSON.stringify({
    event: kind,
    deliveryId: attempt.deliveryId,
    attempt: attempt.attempt,
    timestamp: attempt.timestamp,
    ...fields,
    ...times,
    at: iso(at),
  });
}

/**
 * A Slack incoming-webhook message (https://api.slack.com/messaging/webhooks): `text` is the
 * notification and the fallback, one `section` block shows it, a `context` block the details.
 */
export function slackBody(event: NotificationEvent): string {
  const text = slackText(event);
  const details = [`service ${event.service}`, `at ${iso(event.at)}`];
  if ("rolloutId" in event) details.push(`rollout ${event.rolloutId}`);
  return JSON.stringify({
    text,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text } },
      { type: "context", elements: [{ type: "mrkdwn", text: escape(details.join(" · ")) }] },
    ],
  });
}

export function slackText(event: NotificationEvent): string {
  const service = `*${escape(event.service)}*`;
  const value = tick(event.value);
  switch (event.kind) {
    case "rollout-started":
      return event.rolloutKind === "restart"
        ? `:arrows_counterclockwise: ${service}: rolling restart of ${value} started`
        : `:arrow_forward: ${service}: rollout of ${value} started${from(event.previousValue)}`;
    case "rollout-succeeded":
      return event.rolloutKind === "restart"
        ? `:white_check_mark: ${service}: rolling restart of ${value} done in ${duration(event.durationMs)}`
        : `:white_check_mark: ${service}: ${value} rolled out${from(event.previousValue)} in ${duration(event.durationMs)}`;
    case "rollout-failed":
      return `:x: ${service}: rollout of ${value} failed${reason(event.error)}`;
    case "rollout-reverted":
      return `:leftwards_arrow_with_hook: ${service}: rollout of ${value} failed and was reverted to ${tick(event.revertedTo ?? "?")}${reason(event.error)}`;
    case "approval-needed":
      return `:raised_hand: ${service}: ${value} waits for approval (${event.approvals} of ${event.required})${event.expiresAt === undefined ? "" : `, expires ${iso(event.expiresAt)}`}`;
    case "value-scheduled":
      return `:calendar: ${service}: ${value} is scheduled${event.opensAt === undefined ? "" : ` for ${iso(event.opensAt)}`} (outside the deploy windows)`;
  }
}

const iso = (ms: number) => new Date(ms).toISOString();
const tick = (value: string) => `\`${escape(value)}\``;
const from = (previous: string | undefined) => (previous === undefined ? "" : ` (from ${tick(previous)})`);
const reason = (error: string | undefined) => (error === undefined ? "" : `: ${escape(error)}`);

function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m ${s % 60}s`;
}

/** Slack's three control characters (https://api.slack.com/reference/surfaces/formatting#escaping). */
function escape(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}
