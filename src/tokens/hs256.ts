import { randomBytes, webcrypto } from "node:crypto";
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
 * HMAC keys as WebCrypto keys, imported once per configured key: jose imports a raw secret anew
 * on every verification otherwise, which cost more CPU than the rest of a webhook (profile in
 * BENCHMARKS.md, "Ingest").
 */
const imported = new WeakMap<SigningKey, Promise<webcrypto.CryptoKey>>();
const importHmac = (secret: Uint8Array) =>
  webcrypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
/** Checks tokens with an unknown or missing `kid`: a random secret nobody holds. */
const UNKNOWN_KID = importHmac(new Uint8Array(randomBytes(32)));

function verifyKey(keys: readonly SigningKey[], kid: string | undefined): Promise<webcrypto.CryptoKey> {
  const key = keys.find((candidate) => candidate.kid === kid);
  if (key === undefined) return UNKNOWN_KID;
  let cached = imported.get(key);
  if (cached === undefined) {
    cached = importHmac(key.secret);
    imported.set(key, cached);
  }
  return cached;
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
    const { payload } = await jwtVerify(token, (header) => verifyKey(keys, header.kid), {
      algorithms: ["HS256"],
      audience,
      typ: "JWT",
      requiredClaims: options.requiredClaims,
      ...(options.currentDate !== undefined && { currentDate: options.currentDate }),
    });
    return payload;
  } catch {
    // Deliberately dropped: jose's reason (bad signature, expired, ...) must not reach a caller.
    return undefined;
  }
}
