import type { SigningKey } from "../config/types.js";
import { SERVICE_NAME } from "../config/schema-fields.js";
import type { Clock } from "../core/clock.js";
import { AuthError, ValidationError } from "../core/errors.js";
import { signHs256, verifyHs256 } from "./hs256.js";
import { isJti, newJti } from "./jti.js";
import type { VerifiedToken, VerifiedTokens } from "./verified-tokens.js";

const AUDIENCE = "tagroll-webhook";

/**
 * A per-service webhook token, the secret part of `POST /hooks/<token>` (README, "Security model"):
 * HS256 JWS, header `{alg, kid, typ}`, claims `{sub: service, jti, iat, aud: "tagroll-webhook"}`.
 * No expiry: registries keep a URL for years; revocation by `jti` ends a token instead.
 */
export async function createWebhookToken(
  keys: readonly SigningKey[],
  activeKid: string,
  service: string,
  clock: Clock,
): Promise<{ token: string; jti: string; iat: number }> {
  if (!SERVICE_NAME.test(service)) throw new ValidationError(`"${service}" is not a valid service name`);
  const jti = newJti();
  const iat = Math.floor(clock.now() / 1000);
  const token = await signHs256(keys, activeKid, AUDIENCE, { sub: service, jti, iat });
  return { token, jti, iat };
}

/**
 * Resolves the token's service and jti, or throws `AuthError` (404, one message) when it is
 * malformed, forged, signed with an unknown key, meant for the API, missing a claim, or revoked.
 * An error from `isRevoked` itself (Consul unreachable) propagates, so the sender gets 503 and
 * retries. The token never appears in any error. With `verified`, a token seen before skips the
 * signature check (src/tokens/verified-tokens.ts); revocation is checked either way.
 */
export async function verifyWebhookToken(
  token: string,
  keys: readonly SigningKey[],
  isRevoked: (jti: string) => Promise<boolean>,
  verified?: VerifiedTokens,
): Promise<{ service: string; jti: string }> {
  const known = verified?.get(token) ?? (await verifySignature(token, keys));
  if (known === undefined) throw new AuthError();
  if (await isRevoked(known.jti)) throw new AuthError();
  verified?.set(token, known);
  return { service: known.service, jti: known.jti };
}

async function verifySignature(
  token: string,
  keys: readonly SigningKey[],
): Promise<VerifiedToken | undefined> {
  const payload = await verifyHs256(token, keys, AUDIENCE, { requiredClaims: ["sub", "jti", "iat"] });
  const service = payload?.sub;
  const jti = payload?.jti;
  if (typeof service !== "string" || !SERVICE_NAME.test(service) || !isJti(jti)) return undefined;
  return { service, jti, ...(typeof payload?.exp === "number" && { exp: payload.exp }) };
}
