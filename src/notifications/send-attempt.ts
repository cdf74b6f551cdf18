import type { NotificationTargetConfig } from "../config/types.js";
import type { NotificationEvent } from "./notification-event.js";
import { slackBody, webhookBody, type Attempt } from "./payloads.js";
import { DELIVERY_HEADER, EVENT_HEADER, signBody, SIGNATURE_HEADER, TIMESTAMP_HEADER } from "./signature.js";

/** How one try went; `result` is a metric label, so it is one of a few fixed words. */
export interface AttemptResult {
  result: "2xx" | "3xx" | "4xx" | "5xx" | "timeout" | "network";
  /** Worth another try: a network error, a timeout, 5xx, 408 or 429. */
  retry: boolean;
  /** From a 429/503 Retry-After in seconds, when the receiver asked. */
  retryAfterMs?: number;
  /** For the log: the status, or the error's code — never the URL, which may be a credential. */
  detail: string;
}

export type FetchLike = typeof fetch;

/**
 * One POST of one notification to one target, bounded by `timeoutMs` (a receiver that accepts the
 * connection and never answers is cut off). Redirects are not followed: a signed body goes only
 * where the operator pointed it.
 */
export async function sendAttempt(
  fetchImpl: FetchLike,
  target: NotificationTargetConfig,
  event: NotificationEvent,
  attempt: Attempt,
  timeoutMs: number,
  stop: AbortSignal,
): Promise<AttemptResult> {
  const body = target.kind === "slack" ? slackBody(event) : webhookBody(event, attempt);
  const headers: Record<string, string> = { "content-type": "application/json", "user-agent": "tagroll" };
  if (target.kind === "webhook") {
    headers[EVENT_HEADER] = event.kind;
    headers[DELIVERY_HEADER] = attempt.deliveryId;
    headers[TIMESTAMP_HEADER] = String(attempt.timestamp);
    if (target.secret !== undefined) headers[SIGNATURE_HEADER] = signBody(target.secret, body);
  }
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetchImpl(target.url, {
      method: "POST",
      headers,
      body,
      redirect: "manual",
      signal: AbortSignal.any([stop, timeout]),
    });
    // Drain the body so the connection can be reused; its content does not matter.
    await res.arrayBuffer().catch(() => undefined);
    return byStatus(res.status, res.headers.get("retry-after"));
  } catch (err) {
    if (timeout.aborted) return { result: "timeout", retry: true, detail: `no answer in ${timeoutMs} ms` };
    const cause = (err as { cause?: { code?: unknown } }).cause;
    const code = typeof cause?.code === "string" ? cause.code : (err as Error).name;
    return { result: "network", retry: true, detail: code };
  }
}

function byStatus(status: number, retryAfter: string | null): AttemptResult {
  const detail = `HTTP ${status}`;
  if (status >= 200 && status < 300) return { result: "2xx", retry: false, detail };
  if (status < 400) return { result: "3xx", retry: false, detail };
  const seconds = retryAfter !== null && /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter) : undefined;
  const retry = status >= 500 || status === 408 || status === 429;
  return {
    result: status < 500 ? "4xx" : "5xx",
    retry,
    detail,
    ...(retry && seconds !== undefined && { retryAfterMs: seconds * 1000 }),
  };
}
