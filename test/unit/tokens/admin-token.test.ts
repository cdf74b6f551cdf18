import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { AuthError, ValidationError } from "../../../src/core/errors.js";
import { createAdminToken, verifyAdminToken } from "../../../src/tokens/admin-token.js";
import { createWebhookToken } from "../../../src/tokens/webhook-token.js";
import { signHs256 } from "../../../src/tokens/hs256.js";
import { compact, fixedClock, KEYS } from "./token-fixtures.js";

async function expectRejected(token: string, run: () => Promise<unknown>): Promise<void> {
  const error = await run().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AuthError);
  expect((error as AuthError).status).toBe(401);
  expect((error as AuthError).message).toBe("invalid or expired token");
  expect((error as AuthError).stack).not.toContain(token);
}

describe("admin tokens", () => {
  it("round-trip subject and scopes with aud tagroll-api and an expiry", async () => {
    const clock = fixedClock();
    const request = { subject: "ops:alice", scopes: ["read", "deploy"] as const, expiresIn: 3600 };
    const { token, jti, expiresAt } = await createAdminToken(
      KEYS,
      "k2",
      { ...request, scopes: [...request.scopes] },
      clock,
    );
    const iat = Math.floor(clock.now() / 1000);
    expect(decodeJwt(token)).toEqual({
      sub: "ops:alice",
      scopes: ["read", "deploy"],
      jti,
      iat,
      exp: iat + 3600,
      aud: "tagroll-api",
    });
    expect(expiresAt).toEqual(new Date((iat + 3600) * 1000));
    expect(await verifyAdminToken(token, KEYS, clock)).toEqual({
      subject: "ops:alice",
      scopes: ["read", "deploy"],
    });
  });

  it("rejects an expired token", async () => {
    const clock = fixedClock();
    const { token } = await createAdminToken(
      KEYS,
      "k1",
      { subject: "ci", scopes: ["read"], expiresIn: 60 },
      clock,
    );
    clock.set(clock.now() + 59_000);
    expect((await verifyAdminToken(token, KEYS, clock)).subject).toBe("ci");
    clock.set(clock.now() + 2_000);
    await expectRejected(token, () => verifyAdminToken(token, KEYS, clock));
  });

  it("rejects a webhook token used as an API token, even one carrying API claims", async () => {
    const clock = fixedClock();
    const { token } = await createWebhookToken(KEYS, "k1", "web", clock);
    await expectRejected(token, () => verifyAdminToken(token, KEYS, clock));
    const iat = Math.floor(clock.now() / 1000);
    const claims = { sub: "web", scopes: ["admin"], iat, exp: iat + 60, jti: "AAAAAAAAAAAAAAAAAAAAAA" };
    const lookalike = await signHs256(KEYS, "k1", "tagroll-webhook", claims);
    await expectRejected(lookalike, () => verifyAdminToken(lookalike, KEYS, clock));
    const genuine = await signHs256(KEYS, "k1", "tagroll-api", claims);
    expect(await verifyAdminToken(genuine, KEYS, clock)).toEqual({ subject: "web", scopes: ["admin"] });
  });

  it("rejects alg none, unknown keys and unknown scopes", async () => {
    const clock = fixedClock();
    const iat = Math.floor(clock.now() / 1000);
    const claims = { sub: "x", scopes: ["admin"], iat, exp: iat + 60, aud: "tagroll-api" };
    const none = compact({ alg: "none", typ: "JWT" }, claims);
    await expectRejected(none, () => verifyAdminToken(none, KEYS, clock));
    const { token } = await createAdminToken(
      KEYS,
      "k1",
      { subject: "x", scopes: ["admin"], expiresIn: 60 },
      clock,
    );
    await expectRejected(token, () => verifyAdminToken(token, [KEYS[1]!], clock));
  });

  it("refuses to create a token without subject, scopes or a positive lifetime", async () => {
    const clock = fixedClock();
    const bad = [
      { subject: " ", scopes: ["read" as const], expiresIn: 60 },
      { subject: "x", scopes: [], expiresIn: 60 },
      { subject: "x", scopes: ["root" as "read"], expiresIn: 60 },
      { subject: "x", scopes: ["read" as const], expiresIn: 0 },
      { subject: "x", scopes: ["read" as const], expiresIn: 1.5 },
    ];
    for (const request of bad) {
      await expect(createAdminToken(KEYS, "k1", request, clock)).rejects.toBeInstanceOf(ValidationError);
    }
  });
});
