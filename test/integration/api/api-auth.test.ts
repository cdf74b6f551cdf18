import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_ROUTES, type ApiRoute } from "../../../src/api/api-routes.js";
import type { Scope } from "../../../src/tokens/index.js";
import { createWebhookToken } from "../../../src/tokens/webhook-token.js";
import { systemClock } from "../../../src/core/clock.js";
import { kvDeleteTree, kvGet, kvPut } from "../../helpers/cluster.js";
import { linesContaining } from "../../helpers/tagroll.js";
import { startApiTagroll, uniqueSuffix, type ApiTagroll } from "./api-runtime.js";
import { historyKey, requestKey, tokenKey } from "../../../src/state/kv-layout.js";
import { readHistory } from "../../helpers/history.js";

/**
 * Every /api/v1 endpoint, against tagroll on the real agents: refused without a token (401 with
 * a Bearer challenge), refused with a valid token lacking the scope (403), allowed with it.
 */
const SERVICE = `apiauth-${uniqueSuffix()}`;
const KEY = `configs/${SERVICE}/IMAGE_TAG`;
const YAML = `
services:
  - name: ${SERVICE}
    image: acme/${SERVICE}
    policy: { order: none }
`;

let app: ApiTagroll;
const tokens = {} as Record<Scope, string>;
let webhookJti = "";

/** What a successful call answers, and the request that makes it (some routes change state). */
const allowed: Record<string, { status: number; body?: unknown }> = {
  "get /services": { status: 200 },
  "get /services/:name": { status: 200 },
  "get /services/:name/history": { status: 200 },
  "get /services/:name/events": { status: 200 },
  "get /rollouts": { status: 200 },
  "post /services/:name/deploy": { status: 202, body: { tag: "v2" } },
  "post /services/:name/rollback": { status: 202 },
  "post /services/:name/restart": { status: 202 },
  // Allowed through, and answered: this service has no approvals, so nothing waits (409).
  "post /services/:name/approve": { status: 409, body: {} },
  "post /services/:name/reject": { status: 409, body: { reason: "not this one" } },
  "get /tokens": { status: 200 },
  "post /tokens": { status: 201, body: { service: SERVICE } },
  "delete /tokens/:jti": { status: 200 },
};

async function call(route: ApiRoute, token?: string, body?: unknown): Promise<Response> {
  const path = route.path.replace(":name", SERVICE).replace(":jti", webhookJti);
  const controller = new AbortController();
  const res = await fetch(`${app.url}/api/v1${path}`, {
    method: route.method.toUpperCase(),
    headers: {
      ...(token !== undefined && { authorization: `Bearer ${token}` }),
      ...(body !== undefined && { "content-type": "application/json" }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
    signal: controller.signal,
  });
  // The events route streams until a rollout ends: its status and headers are all we need.
  if (route.path.endsWith("/events") && res.status === 200) controller.abort();
  return res;
}

/** Valid tokens that must be refused: narrower scopes, and the sibling (approve is not deploy). */
const narrower: Record<Scope, Scope[]> = {
  read: [],
  deploy: ["read", "approve"],
  approve: ["read", "deploy"],
  admin: ["read", "deploy", "approve"],
};

beforeAll(async () => {
  await kvPut(KEY, "v1");
  // A history in which v0 ran before v1, so rollback has somewhere to go.
  await kvPut(
    historyKey(SERVICE),
    JSON.stringify([
      { id: "h0", at: "2026-01-01T00:00:00Z", kind: "rollout", tag: "v0", outcome: "succeeded" },
    ]),
  );
  app = await startApiTagroll(YAML);
  for (const scope of ["read", "deploy", "approve", "admin"] as const)
    tokens[scope] = (await app.token([scope])).token;
  webhookJti = (await createWebhookToken(app.config.keys, app.config.activeKeyId, SERVICE, systemClock)).jti;
});

afterAll(async () => {
  // Webhook tokens minted by POST /tokens are recorded under tagroll/tokens/<jti>.
  const listed = await fetch(`${app.url}/api/v1/tokens?service=${SERVICE}`, {
    headers: { authorization: `Bearer ${tokens.admin}` },
  });
  for (const { jti } of ((await listed.json()) as { tokens: Array<{ jti: string }> }).tokens) {
    await kvDeleteTree(tokenKey("tokens", jti));
  }
  await app?.close();
  await kvDeleteTree(`configs/${SERVICE}`);
  for (const dir of ["history", "requests", "rollouts"]) await kvDeleteTree(`tagroll/${dir}/${SERVICE}`);
  await kvDeleteTree(tokenKey("revoked", webhookJti));
});

describe.each(
  API_ROUTES.map((route) => [`${route.method.toUpperCase()} ${route.path} (${route.scope})`, route] as const),
)("%s", (_name, route) => {
  it("401 with a Bearer challenge without a token, or with a malformed one", async () => {
    for (const token of [undefined, "not-a-jwt", `${tokens.admin}x`]) {
      const res = await call(route, token);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer realm="tagroll-api"/);
      expect(await res.json()).toMatchObject({ error: "unauthorized" });
    }
  });

  it("403 with a valid token lacking the scope", async () => {
    for (const scope of narrower[route.scope]) {
      const res = await call(route, tokens[scope], allowed[`${route.method} ${route.path}`]?.body);
      expect(res.status, `${scope} token`).toBe(403);
      expect(res.headers.get("www-authenticate")).toContain(
        `error="insufficient_scope", scope="${route.scope}"`,
      );
    }
  });

  it("allowed with the scope (and with a wider one)", async () => {
    const expected = allowed[`${route.method} ${route.path}`]!;
    const res = await call(route, tokens[route.scope], expected.body);
    expect(res.status, await (route.path.endsWith("/events") ? "" : res.clone().text())).toBe(
      expected.status,
    );
    if (route.method === "get") expect((await call(route, tokens.admin)).status).toBe(expected.status);
  });
});

describe("what the allowed calls did", () => {
  it("deploy and rollback wrote KV with the token's subject in history; restart wrote a request", async () => {
    expect(await kvGet(KEY)).toBe("v0");
    // The seeded one-array history (older tagroll) is read too, so rollback found v0 in it.
    const history = await readHistory(SERVICE);
    expect(history.slice(-2).map((e) => [e.kind, e.tag, e.source])).toEqual([
      ["operator", "v2", "api:test"],
      ["rollback", "v0", "api:test"],
    ]);
    expect(JSON.parse((await kvGet(requestKey(SERVICE))) ?? "{}")).toMatchObject({
      kind: "restart",
      by: "api:test",
    });
    expect(await kvGet(tokenKey("revoked", webhookJti))).toBeDefined();
  });

  it("status JSON has the CLI's shape", async () => {
    const res = await call(
      API_ROUTES.find((r) => r.path === "/services/:name")!,
      tokens.read,
    );
    const body = (await res.json()) as { services: Array<Record<string, unknown>> };
    expect(body.services).toHaveLength(1);
    expect(body.services[0]).toMatchObject({ service: SERVICE, key: KEY, desired: "v0", allocations: [] });
  });
});

describe("tokens that are not API tokens", () => {
  it("a webhook token is refused as an API token", async () => {
    const webhook = await createWebhookToken(app.config.keys, app.config.activeKeyId, SERVICE, systemClock);
    const res = await call(API_ROUTES[0], webhook.token);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });

  it("an API token revoked through DELETE /tokens/:jti stops working at once", async () => {
    const victim = await app.token(["read"], "victim");
    expect((await call(API_ROUTES[0], victim.token)).status).toBe(200);
    const revoke = await fetch(`${app.url}/api/v1/tokens/${victim.jti}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${tokens.admin}` },
    });
    expect(await revoke.json()).toEqual({ jti: victim.jti, service: "(not in registry)", revoked: true });
    expect((await call(API_ROUTES[0], victim.token)).status).toBe(401);
    await kvDeleteTree(tokenKey("revoked", victim.jti));
  });

  it("an expired API token is refused", async () => {
    const shortLived = await app.token(["admin"], "short", 1);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect((await call(API_ROUTES[0], shortLived.token)).status).toBe(401);
  });

  it("no token ever reaches a log line", () => {
    for (const token of Object.values(tokens)) expect(linesContaining(app.logs(), token)).toEqual([]);
  });
});
