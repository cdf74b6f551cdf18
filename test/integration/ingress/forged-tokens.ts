import { randomBytes } from "node:crypto";
import { SignJWT } from "jose";
import { createAdminToken } from "../../../src/tokens/admin-token.js";
import type { TestTagroll } from "../../helpers/tagroll.js";

/**
 * Tokens that must all get the same 404 from `/hooks/<token>` (README,
 * "Security model": a bad, forged, unknown or revoked token gets 404 and nothing else). Built against the running instance's real keys so
 * every one is wrong in exactly one way.
 */

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const jti = () => randomBytes(16).toString("base64url");

export async function forgedTokens(tagroll: TestTagroll, service = "bad-web") {
  const key = tagroll.config.keys[0];
  if (!key) throw new Error("the test instance has no signing key");
  const claims = { sub: service, jti: jti(), iat: Math.floor(Date.now() / 1000), aud: "tagroll-webhook" };
  const sign = (secret: Uint8Array, kid: string, body: Record<string, unknown> = claims, alg = "HS256") =>
    new SignJWT(body).setProtectedHeader({ alg, kid, typ: "JWT" }).sign(secret);

  const valid = await tagroll.mint(service);
  const [header, , signature] = valid.token.split(".");
  const revoked = await tagroll.mint(service);
  await tagroll.runtime.revocations.revoke(revoked.jti, { service, revokedAt: new Date() });
  const api = await createAdminToken(tagroll.config.keys, key.kid, {
    subject: service,
    scopes: ["deploy"],
    expiresIn: 600,
  });

  return [
    { name: "alg none", token: `${b64({ alg: "none", kid: key.kid, typ: "JWT" })}.${b64(claims)}.` },
    { name: "wrong key, right kid", token: await sign(new Uint8Array(randomBytes(32)), key.kid) },
    { name: "unknown kid", token: await sign(new Uint8Array(randomBytes(32)), "k9") },
    { name: "right key, unknown kid", token: await sign(key.secret, "k9") },
    { name: "right key, HS512", token: await sign(key.secret, key.kid, claims, "HS512") },
    { name: "right key, no jti", token: await sign(key.secret, key.kid, { ...claims, jti: undefined }) },
    {
      name: "right key, unconfigured service",
      token: await sign(key.secret, key.kid, { ...claims, sub: "ghost" }),
    },
    {
      name: "right key, path in sub",
      token: await sign(key.secret, key.kid, { ...claims, sub: "../bad-db" }),
    },
    { name: "right key, API audience", token: api.token },
    { name: "revoked", token: revoked.token },
    // A valid token's signature over another service's claims.
    { name: "payload swapped", token: `${header}.${b64({ ...claims, sub: "bad-db" })}.${signature}` },
    { name: "signature cut", token: valid.token.slice(0, -2) },
    { name: "no signature", token: valid.token.slice(0, valid.token.lastIndexOf(".") + 1) },
    { name: "garbage", token: "not-a-token" },
    { name: "very long", token: "a".repeat(4000) },
  ];
}
