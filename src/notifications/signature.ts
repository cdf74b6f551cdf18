import { createHmac, timingSafeEqual } from "node:crypto";

/** The header carrying `sha256=<hex HMAC-SHA256 of the raw body>` (README, "Notifications"). */
export const SIGNATURE_HEADER = "x-tagroll-signature";
/** Unix seconds when this attempt was sent; the body's `timestamp` holds the same number. */
export const TIMESTAMP_HEADER = "x-tagroll-timestamp";
/** The same for every attempt of one notification, so a receiver can drop repeats. */
export const DELIVERY_HEADER = "x-tagroll-delivery";
export const EVENT_HEADER = "x-tagroll-event";

/** `sha256=<hex>`, the format GitHub uses for X-Hub-Signature-256, so existing verifiers fit. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`;
}

/**
 * What a receiver does with a delivery (README, "Notifications" shows the same in prose): compare
 * the signature in constant time, then refuse a `timestamp` (inside the signed body, so it cannot
 * be altered) older than `maxAgeSeconds` — a captured delivery replayed later is refused.
 */
export function verifyDelivery(
  secret: string,
  body: string,
  signature: string | undefined,
  nowSeconds: number,
  maxAgeSeconds = 300,
): boolean {
  const expected = Buffer.from(signBody(secret, body));
  const given = Buffer.from(signature ?? "");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
  const timestamp = (JSON.parse(body) as { timestamp?: unknown }).timestamp;
  return typeof timestamp === "number" && Math.abs(nowSeconds - timestamp) <= maxAgeSeconds;
}
