import { randomBytes } from "node:crypto";
import { jwtVerify, SignJWT, type JWTPayload } from "jose";
import type { SigningKey } from "../config/types.js";

/** Which kind of token: a token of one audience never verifies as the other. */
export type Audience = "tagroll-webhook" | "tagroll-api";

/**
 * Signs `claims` as a compact HS256 JWS with the active key (`kid` in the header so keys rotate).
 * Throws a plain Error when `activeKid` is not one of `keys`: a configuration bug, not an auth failure.
 */
export async function signHs256(
  keys: readonly SigningKey[],
  activeKid: string,
  audience: Audience,
  claims: JWTPayload,
): Promise<string> {
  const key = keys.find((candidate) => candidate.kid === activeKid);
  if (key === undefined) throw new Error(`signing key "${activeKid}" is not configured`);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", kid: key.kid, typ: "JWT" })
    .setAudience(audience)
    .sign(key.secret);
}

/**
 * Verifies a compact JWS signed with one of `keys` for `audience`; resolves its payload or
 * undefined on ANY failure, so callers raise one indistinguishable error. Only HS256 is allowed
 * (`alg: none` and key-confusion tricks fail in jose before any key is used). An unknown or
 * missing `kid` is still checked with a random key, so it costs the same HMAC as a wrong key.
 */
export async function verifyHs256(
  token: string,
  keys: readonly SigningKey[],
  audience: Audience,
  options: { requiredClaims: string[]; currentDate?: Date },
): Promise<JWTPayload | undefined> {
  try {
    const { payload } = await jwtVerify(
      token,
      (header) => keys.find((key) => key.kid === header.kid)?.secret ?? new Uint8Array(randomBytes(32)),
      {
        algorithms: ["HS256"],
        audience,
        typ: "JWT",
        requiredClaims: options.requiredClaims,
        ...(options.currentDate !== undefined && { currentDate: options.currentDate }),
      },
    );
    return payload;
  } catch {
    // Deliberately dropped: jose's reason (bad signature, expired, ...) must not reach a caller.
    return undefined;
  }
}
