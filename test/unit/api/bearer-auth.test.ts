import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { apiErrorReply } from "../../../src/api/api-error-reply.js";
import {
  ApiAuthError,
  BearerAuth,
  bearerToken,
  InsufficientScopeError,
} from "../../../src/api/bearer-auth.js";
import { NotFoundError } from "../../../src/core/errors.js";
import { createAdminToken, createWebhookToken } from "../../../src/tokens/index.js";
import { fixedClock, KEYS, KEY_1 } from "../tokens/token-fixtures.js";

const silent = pino({ level: "silent" });

function auth(revoked = new Set<string>()) {
  const clock = fixedClock();
  return {
    clock,
    auth: new BearerAuth({ keys: KEYS, clock, isRevoked: async (jti) => revoked.has(jti) }),
  };
}

async function apiToken(scopes: Array<"read" | "deploy" | "admin">, clock = fixedClock(), expiresIn = 3600) {
  return createAdminToken(KEYS, "k1", { subject: "ci", scopes, expiresIn }, clock);
}

describe("bearer auth", () => {
  it("reads only a well-formed Bearer header", () => {
    expect(bearerToken("Bearer abc.def.ghi")).toBe("abc.def.ghi");
    expect(bearerToken("bearer abc.def.ghi")).toBe("abc.def.ghi");
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken("Basic dXNlcjpwdw==")).toBeUndefined();
    expect(bearerToken("Bearer ")).toBeUndefined();
    expect(bearerToken("Bearer a b")).toBeUndefined();
  });

  it("resolves subject, scopes and jti of a valid token", async () => {
    const { auth: a, clock } = auth();
    const { token, jti } = await apiToken(["deploy"], clock);
    await expect(a.authorize(`Bearer ${token}`, "read")).resolves.toEqual({
      subject: "ci",
      scopes: ["deploy"],
      jti,
    });
  });

  it("refuses missing, forged, expired, revoked and webhook tokens with ApiAuthError (401)", async () => {
    const revoked = new Set<string>();
    const { auth: a, clock } = auth(revoked);
    await expect(a.authenticate(undefined)).rejects.toMatchObject({ reason: "missing", status: 401 });

    const good = await apiToken(["admin"], clock);
    const forged = good.token.slice(0, -4) + (good.token.endsWith("AAAA") ? "BBBB" : "AAAA");
    await expect(a.authenticate(`Bearer ${forged}`)).rejects.toMatchObject({ reason: "invalid" });

    const webhook = await createWebhookToken([KEY_1], "k1", "web", clock);
    await expect(a.authenticate(`Bearer ${webhook.token}`)).rejects.toBeInstanceOf(ApiAuthError);

    const shortLived = await apiToken(["admin"], clock, 60);
    clock.set(clock.now() + 61_000);
    await expect(a.authenticate(`Bearer ${shortLived.token}`)).rejects.toMatchObject({ reason: "invalid" });

    const fresh = await apiToken(["admin"], clock);
    await expect(a.authenticate(`Bearer ${fresh.token}`)).resolves.toMatchObject({ subject: "ci" });
    revoked.add(fresh.jti);
    await expect(a.authenticate(`Bearer ${fresh.token}`)).rejects.toMatchObject({ reason: "invalid" });
  });

  it("refuses a valid token without the scope with InsufficientScopeError (403)", async () => {
    const { auth: a, clock } = auth();
    const { token } = await apiToken(["read"], clock);
    const err = await a.authorize(`Bearer ${token}`, "deploy").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InsufficientScopeError);
    expect(err).toMatchObject({ status: 403, scope: "deploy" });
  });
});

describe("API error replies", () => {
  it("401 carries a Bearer challenge, with invalid_token only when a token was sent", () => {
    expect(apiErrorReply(new ApiAuthError("missing"), silent)).toEqual({
      status: 401,
      headers: { "www-authenticate": 'Bearer realm="tagroll-api"' },
      body: { error: "unauthorized", message: "missing bearer token" },
    });
    expect(apiErrorReply(new ApiAuthError("invalid"), silent).headers["www-authenticate"]).toBe(
      'Bearer realm="tagroll-api", error="invalid_token"',
    );
  });

  it("403 names the missing scope; other errors keep the server's mapping", () => {
    const reply = apiErrorReply(new InsufficientScopeError("admin"), silent);
    expect(reply.status).toBe(403);
    expect(reply.headers["www-authenticate"]).toContain('error="insufficient_scope", scope="admin"');
    expect(reply.body.error).toBe("forbidden");
    expect(apiErrorReply(new NotFoundError('unknown service "x"'), silent)).toEqual({
      status: 404,
      headers: {},
      body: { error: "not_found", message: 'unknown service "x"' },
    });
    expect(apiErrorReply(new Error("secret detail"), silent).body).toEqual({
      error: "internal",
      message: "internal error",
    });
  });
});
