import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StatusReport } from "../../../src/operations/index.js";
import { notify } from "../../../src/coordinator/index.js";
import { systemClock } from "../../../src/core/clock.js";
import { createLogger } from "../../../src/core/logger.js";
import { createApp } from "../../../src/server/create-app.js";
import { createStatusPage, type StatusPage } from "../../../src/status-page/create-status-page.js";
import { createAdminToken, createWebhookToken, type Scope } from "../../../src/tokens/index.js";
import { KEYS } from "../tokens/token-fixtures.js";

const report: StatusReport = {
  services: [{ service: "web", key: "configs/web/IMAGE_TAG", desired: "v1", allocations: [] }],
};

describe("status page routes behind the real app (helmet, error mapping)", () => {
  const lines: string[] = [];
  const log = createLogger({
    level: "debug",
    destination: new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    }),
  });
  let page: StatusPage;
  let base = "";
  let closeServer = () => {};
  const token = async (scopes: Scope[]) =>
    (await createAdminToken(KEYS, "k1", { subject: "ops", scopes, expiresIn: 300 }, systemClock)).token;
  const get = (path: string, bearer?: string) =>
    fetch(`${base}${path}`, bearer ? { headers: { authorization: `Bearer ${bearer}` } } : {});

  beforeAll(async () => {
    page = createStatusPage({
      operations: { status: async () => report },
      history: { list: async () => [{ id: "h1", at: "2026-01-01T00:00:00.000Z", kind: "push", tag: "v1" }] },
      keys: KEYS,
      logger: log,
      clock: systemClock,
    });
    const app = createApp({
      log,
      bodyLimit: 1024,
      handleHook: async () => ({ status: 404, body: {} }),
      unready: async () => [],
      routers: [{ path: "/", router: page.router }],
    });
    const server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    closeServer = () => server.close();
  });
  afterAll(() => {
    page.close();
    closeServer();
  });

  it("serves the shell without a token, with a fresh nonce-based CSP on every response", async () => {
    const [a, b] = [await get("/"), await get("/")];
    expect(a.status).toBe(200);
    expect(a.headers.get("content-type")).toMatch(/^text\/html/);
    expect(a.headers.get("cache-control")).toBe("no-store");
    const cspA = a.headers.get("content-security-policy") ?? "";
    const nonce = /script-src 'nonce-([^']+)'/.exec(cspA)?.[1];
    expect(nonce).toBeTruthy();
    expect(await a.text()).toContain(`<script nonce="${nonce}">`);
    expect(b.headers.get("content-security-policy")).not.toBe(cspA);
    // helmet's global policy still covers everything else.
    expect((await get("/healthz")).headers.get("content-security-policy")).toContain("script-src 'self'");
  });

  it("refuses the data routes without a token, with a bad one, and with a webhook token", async () => {
    const hook = (await createWebhookToken(KEYS, "k1", "web", systemClock)).token;
    for (const path of ["/status/data", "/status/events"]) {
      for (const bearer of [undefined, "not-a-jwt", hook, `${(await token(["read"])).slice(0, -3)}abc`]) {
        const res = await get(path, bearer);
        expect(res.status, `${path} ${bearer ?? "(none)"}`).toBe(401);
        expect(res.headers.get("www-authenticate")).toMatch(/^Bearer realm="tagroll", scope="read"/);
        expect(await res.json()).toMatchObject({ error: "unauthorized" });
      }
    }
  });

  it("refuses a valid token without the read scope with 403 insufficient_scope", async () => {
    const res = await get("/status/data", await token(["deploy"]));
    expect(res.status).toBe(403);
    expect(res.headers.get("www-authenticate")).toContain('error="insufficient_scope"');
  });

  it("answers a read token with the snapshot", async () => {
    const res = await get("/status/data", await token(["read"]));
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      services: Array<{ service: string; desired: string; history: unknown[] }>;
    };
    expect(body.services).toEqual([
      expect.objectContaining({
        service: "web",
        desired: "v1",
        history: [expect.objectContaining({ id: "h1" })],
      }),
    ]);
  });

  it("streams coordinator events to a read token until close()", async () => {
    const bearer = await token(["read", "deploy"]);
    const res = await get("/status/events", bearer);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(res.headers.get("x-accel-buffering")).toBe("no");
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${needle}`);
        text += value;
      }
    };
    await readUntil("event: hello");
    notify(
      [page.observer],
      {
        type: "rollout-started",
        service: "web",
        rolloutId: "r1",
        at: 1,
        kind: "deploy",
        value: "v2",
        resumed: false,
      },
      log,
    );
    await readUntil("event: rollout-started");
    expect(text).toMatch(/event: rollout-started\nid: \d+\ndata: \{"type":"rollout-started","service":"web"/);
    page.close();
    for (;;) if ((await reader.read()).done) break;
    expect(lines.filter((line) => line.includes(bearer))).toEqual([]);
  });
});
