import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { AuthError } from "../core/errors.js";
import type { PushSource } from "../core/push-event.js";
import type { WebhookRequest } from "./parser.js";

/**
 * A delivery whose signature or auth header does not check out. It is an AuthError, so the
 * sender sees the same 404 as for a bad token; `reason` is for the log line only.
 */
export class WebhookSignatureError extends AuthError {
  constructor(readonly reason: string) {
    super();
    this.name = "WebhookSignatureError";
  }
}

/**
 * Checks a delivery against the service's per-source secrets (reference, "Auth per source").
 * A service that configures any secret accepts only sources it holds a secret for: otherwise
 * anyone with the URL could skip the GHCR signature by posting a generic `{image, tag}` body.
 */
export function authenticateDelivery(
  source: PushSource,
  req: WebhookRequest,
  secrets: Partial<Record<PushSource, string>>,
): void {
  const secret = secrets[source];
  if (secret !== undefined && secret !== "") {
    verifySignature(source, req, secret);
  } else if (Object.values(secrets).some((value) => value !== undefined && value !== "")) {
    throw new WebhookSignatureError(`no secret configured for source "${source}"`);
  }
}

/** Throws WebhookSignatureError unless `req` carries proof of `secret` the way `source` sends it. */
export function verifySignature(source: PushSource, req: WebhookRequest, secret: string): void {
  switch (source) {
    case "ghcr": {
      // X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>
      const expected = `sha256=${hmacHex(secret, req.rawBody)}`;
      return check(safeEqual(req.headers["x-hub-signature-256"], expected), "bad X-Hub-Signature-256");
    }
    case "jfrog": {
      // The secret itself when signing is off, else a hex HMAC-SHA256 of the body (JFrog webhook docs; README, "JFrog Artifactory").
      const sent = req.headers["x-jfrog-event-auth"];
      const plain = safeEqual(sent, secret);
      const signed = safeEqual(sent?.toLowerCase(), hmacHex(secret, req.rawBody));
      return check(plain || signed, "bad X-JFrog-Event-Auth");
    }
    case "harbor":
    case "distribution":
    case "acr":
    case "generic":
      // A static header the sender is configured to send, compared verbatim (Harbor's "Auth
      // Header", Distribution `headers`, ACR custom headers, a CI job's curl -H).
      return check(safeEqual(req.headers.authorization, secret), "bad Authorization header");
    case "dockerhub":
    case "quay":
      // These senders cannot add a header or sign; failing closed beats silently not checking.
      throw new WebhookSignatureError(`source "${source}" cannot be verified with a secret`);
  }
}

function check(ok: boolean, reason: string): void {
  if (!ok) throw new WebhookSignatureError(reason);
}

function hmacHex(secret: string, body: Buffer): string {
  return createHmac("sha256", secret).update(body).digest("hex");
}

/**
 * Constant-time string equality. Both sides are hashed first so timingSafeEqual always gets two
 * 32-byte buffers and the comparison does not leak the expected value's length either.
 */
function safeEqual(sent: string | undefined, expected: string): boolean {
  if (sent === undefined) return false;
  const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();
  return timingSafeEqual(digest(sent), digest(expected));
}
