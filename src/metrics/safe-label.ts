/** Service names, webhook sources and outcomes: short identifiers by construction. */
const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}$/;

/**
 * A compact JWS (three base64url segments): what webhook and API tokens look like. A token has no
 * business in a label; this only guards against a future caller passing one by mistake.
 */
const TOKEN_LIKE = /[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/;

/**
 * The label value to record for `value`: itself when it is a plain short identifier, otherwise
 * `"other"`. Metrics are scraped without authentication (README, "Admin API, status page, metrics"), so a label must never
 * carry a secret, and a label with unbounded values would also blow up the series count.
 */
export function safeLabel(value: string): string {
  return IDENTIFIER.test(value) && !TOKEN_LIKE.test(value) ? value : "other";
}
