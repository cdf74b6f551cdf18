import type { SigningKey } from "../config/types.js";
import { systemClock, type Clock } from "../core/clock.js";
import { AuthError, ValidationError } from "../core/errors.js";
import { signHs256, verifyHs256 } from "./hs256.js";
import { newJti } from "./jti.js";

/**
 * API scopes (README, "Admin API, status page, metrics"): `read` status and history, `deploy`
 * change tags, `approve` approve or reject waiting values (README, "Approvals"), `admin` tokens.
 */
export const SCOPES = ["read", "deploy", "approve", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

const AUDIENCE = "tagroll-api";

export interface AdminTokenRequest {
  /** Who the token is for, e.g. `ci@acme` or `ops:alice`; shown in logs and history. */
  subject: string;
  scopes: Scope[];
  /** Lifetime in seconds (JWT time claims are seconds). Admin tokens always expire. */
  expiresIn: number;
}

/** A bearer JWT for `/api/v1/…`: claims `{sub, scopes, jti, iat, exp, aud: "tagroll-api"}`. */
export async function createAdminToken(
  keys: readonly SigningKey[],
  activeKid: string,
  request: AdminTokenRequest,
  clock: Clock = systemClock,
): Promise<{ token: string; jti: string; expiresAt: Date }> {
  if (request.subject.trim() === "") throw new ValidationError("an admin token needs a subject");
  if (request.scopes.length === 0 || !request.scopes.every(isScope))
    throw new ValidationError(`scopes must be some of ${SCOPES.join(", ")}`);
  if (!Number.isSafeInteger(request.expiresIn) || request.expiresIn <= 0) {
    throw new ValidationError("expiresIn must be a positive whole number of seconds");
  }
  const iat = Math.floor(clock.now() / 1000);
  const exp = iat + request.expiresIn;
  const jti = newJti();
  const claims = { sub: request.subject, scopes: [...new Set(request.scopes)], jti, iat, exp };
  const token = await signHs256(keys, activeKid, AUDIENCE, claims);
  return { token, jti, expiresAt: new Date(exp * 1000) };
}

/**
 * Resolves the subject and scopes of a valid, unexpired API token, or throws `AuthError` with
 * status 401 and one message for every failure (a webhook token is refused by its audience).
 */
export async function verifyAdminToken(
  token: string,
  keys: readonly SigningKey[],
  clock: Clock = systemClock,
): Promise<{ subject: string; scopes: Scope[] }> {
  const payload = await verifyHs256(token, keys, AUDIENCE, {
    requiredClaims: ["sub", "scopes", "iat", "exp"],
    currentDate: new Date(clock.now()),
  });
  const scopes: unknown = payload?.["scopes"];
  const subject = payload?.sub;
  if (
    typeof subject !== "string" ||
    !Array.isArray(scopes) ||
    scopes.length === 0 ||
    !scopes.every(isScope)
  ) {
    throw new AuthError("invalid or expired token", 401);
  }
  return { subject, scopes };
}

function isScope(value: unknown): value is Scope {
  return typeof value === "string" && (SCOPES as readonly string[]).includes(value);
}
