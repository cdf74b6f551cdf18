import { createServer, type Server } from "node:http";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthError } from "../../../src/core/errors.js";
import { createLogger } from "../../../src/core/logger.js";
import type { HookRequest } from "../../../src/ingress/hook-request.js";
import { createApp } from "../../../src/server/create-app.js";
import { leanHooks } from "../../../src/server/lean-hooks.js";

/**
 * The webhook path before express answers exactly as the express route does: the same server
 * run twice, once with leanHooks in front of the app and once with the app alone, must give the
 * same status, body and headers (but for per-request ones) for every kind of request.
 */

const LIMIT = 1024;
const seen: Array<{ path: "lean" | "express"; req: HookRequest }> = [];
let lean: { server: Server; url: string };
let plain: { server: Server; url: string };

async function start(withLean: boolean): Promise<{ server: Server; url: string }> {
  const log = createLogger({ level: "silent" });
  const handleHook = (path: "lean" | "express") => async (req: HookRequest) => {
    seen.push({ path, req });
    if (req.token !== "good token") throw new AuthError();
    return { status: 202, body: { status: "accepted", length: req.rawBody.length } };
  };
  const app = createApp({
    log,
    bodyLimit: LIMIT,
    handleHook: handleHook("express"),
    unready: async () => [],
  });
  const listener = withLean
    ? leanHooks({ log, bodyLimit: LIMIT, handleHook: handleHook("lean"), fallback: app })
    : app;
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return { server, url: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}` };
}

const PER_REQUEST = new Set(["date", "etag", "x-request-id", "connection", "keep-alive"]);

async function post(
  base: string,
  path: string,
  body: string | Uint8Array,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  const all = Object.fromEntries([...res.headers].filter(([name]) => !PER_REQUEST.has(name)));
  return {
    status: res.status,
    body: await res.text(),
    headers: all,
    requestId: res.headers.get("x-request-id"),
  };
}

beforeAll(async () => {
  lean = await start(true);
  plain = await start(false);
});

afterAll(async () => {
  for (const s of [lean, plain]) await new Promise((resolve) => s?.server.close(resolve));
});

describe("POST /hooks before express", () => {
  it.each([
    ["a good token", "/hooks/good%20token", "{}"],
    ["a trailing slash and a query", "/hooks/good%20token/?x=1", "{}"],
    ["a bad token", "/hooks/nope", "{}"],
    ["a token that is not percent-encoding", "/hooks/%E0%A4%A", "{}"],
    ["a body over the limit", "/hooks/good%20token", "x".repeat(LIMIT + 1)],
    ["an empty body", "/hooks/good%20token", ""],
    ["two segments (not the route)", "/hooks/a/b", "{}"],
  ])("%s: the same answer as express", async (_what, path, body) => {
    seen.length = 0;
    const fast = await post(lean.url, path, body);
    const slow = await post(plain.url, path, body);
    expect(fast).toEqual({ ...slow, requestId: fast.requestId });
    expect(fast.headers["content-security-policy"]).toBeDefined();
    expect(fast.headers["strict-transport-security"]).toBeDefined();
    // The lean path took it whenever the route matched; express never ran for it then.
    if (seen.length > 0) expect(seen.map((s) => s.path)).toEqual(["lean", "express"]);
  });

  it("hands the exact body and the decoded token to the core", async () => {
    seen.length = 0;
    const body = '{"image":"acme/web","tag":"1.2.3"}';
    await post(lean.url, "/hooks/good%20token", body, { "x-custom": "yes" });
    expect(seen[0]?.path).toBe("lean");
    expect(seen[0]?.req.token).toBe("good token");
    expect(seen[0]?.req.rawBody.toString()).toBe(body);
    expect(seen[0]?.req.headers["x-custom"]).toBe("yes");
  });

  it("keeps a sane X-Request-Id and replaces anything else", async () => {
    expect((await post(lean.url, "/hooks/good%20token", "{}", { "x-request-id": "abc-123" })).requestId).toBe(
      "abc-123",
    );
    expect(
      (await post(lean.url, "/hooks/good%20token", "{}", { "x-request-id": "bad id!" })).requestId,
    ).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("a body over the limit sent without Content-Length is refused with 413 as well", async () => {
    const chunk = new TextEncoder().encode("a".repeat(512));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 4) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await fetch(`${lean.url}/hooks/good%20token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: "too_large", message: "request body too large" });
  });

  it("leaves a compressed body to express, which inflates it", async () => {
    seen.length = 0;
    const res = await post(lean.url, "/hooks/good%20token", gzipSync("{}"), { "content-encoding": "gzip" });
    expect(res.status).toBe(202);
    expect(seen.map((s) => s.path)).toEqual(["express"]);
    expect(seen[0]?.req.rawBody.toString()).toBe("{}");
  });
});
