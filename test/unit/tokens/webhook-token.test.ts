import { createHmac } from "node:crypto";
import { decodeJwt, decodeProtectedHeader, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { AuthError, UpstreamUnavailableError, ValidationError } from "../../../src/core/errors.js";
import { createAdminToken } from "../../../src/tokens/admin-token.js";
import { createWebhookToken, verifyWebhookToken } from "../../../src/tokens/webhook-token.js";
import { compact, fixedClock, KEY_1, KEY_2, KEYS, notRevoked } from "./token-fixtures.js";

const clock = fixedClock();
const claimsFor = (service: string) => ({
  sub: service,
  jti: "AAAAAAAAAAAAAAAAAAAAAA",
  iat: 1_767_428_940,
  aud: "tagroll-webhook",
});

/** Asserts `run` throws an AuthError whose message, stack and cause say nothing about `token`. */
async function expectRejected(token: string, run: () => Promise<unknown>): Promise<AuthError> {
  const error = await run().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AuthError);
  const auth = error as AuthError;
  expect(auth.status).toBe(404);
  expect(auth.message).toBe("not found");
  expect(auth.cause).toBeUndefined();
  // Neither the token nor any long piece of it (the signature, the claims) may show up.
  const pieces = [token, ...token.split(".")].filter((piece) => piece.length >= 8);
  for (const text of [auth.message, auth.stack ?? "", JSON.stringify(auth)]) {
    for (const piece of pieces) expect(text).not.toContain(piece);
  }
  return auth;
}

describe("createWebhookToken", () => {
  it("signs {sub, jti, iat, aud} with header {alg: HS256, kid, typ: JWT}", async () => {
    const { token, jti, iat } = await createWebhookToken(KEYS, "k2", "web", clock);
    expect(decodeProtectedHeader(token)).toEqual({ alg: "HS256", kid: "k2", typ: "JWT" });
    expect(decodeJwt(token)).toEqual({ sub: "web", jti, iat, aud: "tagroll-webhook" });
    expect(iat).toBe(Math.floor(clock.now() / 1000));
    expect(jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it("gives every token a new 128-bit jti", async () => {
    const jtis = new Set<string>();
    for (let i = 0; i < 50; i++) jtis.add((await createWebhookToken(KEYS, "k1", "web", clock)).jti);
    expect(jtis.size).toBe(50);
  });

  it("refuses an invalid service name and an unknown active kid", async () => {
    await expect(createWebhookToken(KEYS, "k1", "../db", clock)).rejects.toBeInstanceOf(ValidationError);
    await expect(createWebhookToken(KEYS, "k9", "web", clock)).rejects.toThrow(/k9/);
  });
});

describe("verifyWebhookToken", () => {
  it("round-trips, also after the active key rotated", async () => {
    const { token, jti } = await createWebhookToken(KEYS, "k1", "web", clock);
    expect(await verifyWebhookToken(token, KEYS, notRevoked)).toEqual({ service: "web", jti });
    expect(await verifyWebhookToken(token, [KEY_2, KEY_1], notRevoked)).toEqual({ service: "web", jti });
  });

  it("asks isRevoked about the token's jti and rejects a revoked token", async () => {
    const { token, jti } = await createWebhookToken(KEYS, "k1", "web", clock);
    const asked: string[] = [];
    await expectRejected(token, () =>
      verifyWebhookToken(token, KEYS, async (id) => {
        asked.push(id);
        return true;
      }),
    );
    expect(asked).toEqual([jti]);
  });

  it("lets a store failure through, so the sender gets 503 and retries", async () => {
    const { token } = await createWebhookToken(KEYS, "k1", "web", clock);
    const down = async () => {
      throw new UpstreamUnavailableError("consul", "connection refused");
    };
    await expect(verifyWebhookToken(token, KEYS, down)).rejects.toBeInstanceOf(UpstreamUnavailableError);
  });

  it("rejects a forged alg:none token", async () => {
    const forged = compact({ alg: "none", kid: "k1", typ: "JWT" }, claimsFor("web"));
    await expectRejected(forged, () => verifyWebhookToken(forged, KEYS, notRevoked));
  });

  it("rejects a token signed with the wrong key under a known kid", async () => {
    const stranger = new Uint8Array(32).fill(9);
    const token = await new SignJWT(claimsFor("web"))
      .setProtectedHeader({ alg: "HS256", kid: "k1", typ: "JWT" })
      .sign(stranger);
    await expectRejected(token, () => verifyWebhookToken(token, KEYS, notRevoked));
  });

  it("rejects an unknown kid and a missing kid, even with a real key's signature", async () => {
    for (const header of [
      { alg: "HS256", kid: "k9", typ: "JWT" },
      { alg: "HS256", typ: "JWT" },
    ]) {
      const token = await new SignJWT(claimsFor("web")).setProtectedHeader(header).sign(KEY_1.secret);
      await expectRejected(token, () => verifyWebhookToken(token, KEYS, notRevoked));
    }
  });

  it("rejects other algorithms, even when keyed with the real secret", async () => {
    const token = await new SignJWT(claimsFor("web"))
      .setProtectedHeader({ alg: "HS512", kid: "k1", typ: "JWT" })
      .sign(KEY_1.secret);
    await expectRejected(token, () => verifyWebhookToken(token, KEYS, notRevoked));
  });

  it("rejects a token whose payload was changed after signing", async () => {
    const { token } = await createWebhookToken(KEYS, "k1", "web", clock);
    const [header, , signature] = token.split(".");
    const tampered = `${header}.${Buffer.from(JSON.stringify(claimsFor("db"))).toString("base64url")}.${signature}`;
    await expectRejected(tampered, () => verifyWebhookToken(tampered, KEYS, notRevoked));
  });

  it("rejects validly signed tokens that miss a claim or carry a bad one", async () => {
    const sign = (claims: object, typ = "JWT") => {
      const header = Buffer.from(JSON.stringify({ alg: "HS256", kid: "k1", typ })).toString("base64url");
      const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
      const mac = createHmac("sha256", KEY_1.secret).update(`${header}.${payload}`).digest("base64url");
      return `${header}.${payload}.${mac}`;
    };
    const without = (claim: string) =>
      Object.fromEntries(Object.entries(claimsFor("web")).filter(([name]) => name !== claim));
    const forged = [
      sign(without("jti")),
      sign(without("sub")),
      sign(without("aud")),
      sign(without("iat")),
      sign({ ...claimsFor("web"), sub: "../db" }),
      sign({ ...claimsFor("web"), jti: "short" }),
      sign(claimsFor("web"), "at+jwt"),
    ];
    expect(await verifyWebhookToken(sign(claimsFor("web")), KEYS, notRevoked)).toEqual({
      service: "web",
      jti: claimsFor("web").jti,
    });
    for (const token of forged)
      await expectRejected(token, () => verifyWebhookToken(token, KEYS, notRevoked));
  });

  it("rejects garbage with the same message", async () => {
    for (const token of ["", "abc", "a.b.c", "..", "x".repeat(10_000), "eyJhbGciOiJIUzI1NiJ9.e30."]) {
      await expectRejected(token, () => verifyWebhookToken(token, KEYS, notRevoked));
    }
  });

  it("rejects an API token used as a webhook token (by audience alone)", async () => {
    // System clock: the API token must be unexpired so only its audience can make it fail.
    const request = { subject: "web", scopes: ["deploy" as const], expiresIn: 3600 };
    const { token } = await createAdminToken(KEYS, "k1", request);
    await expectRejected(token, () => verifyWebhookToken(token, KEYS, notRevoked));
  });
});
