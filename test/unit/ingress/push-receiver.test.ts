import { describe, expect, it } from "vitest";
import type { ServiceConfig } from "../../../src/config/types.js";
import {
  AuthError,
  ForbiddenError,
  UpstreamUnavailableError,
  ValidationError,
} from "../../../src/core/errors.js";
import { createLogger } from "../../../src/core/logger.js";
import { PushReceiver, type WebhookObservation } from "../../../src/ingress/push-receiver.js";
import type { HookRequest } from "../../../src/ingress/hook-request.js";
import { DeliveryStore } from "../../../src/state/delivery-store.js";
import { HistoryStore } from "../../../src/state/history-store.js";
import { FakeKvStore } from "../../helpers/fake-kv-store.js";
import { ManualClock } from "../state/manual-clock.js";
import { historyKey } from "../../../src/state/kv-layout.js";

/**
 * The webhook core without HTTP: the order of its checks (a bad token is refused before the body
 * is even looked at; nothing is read or written in KV for a request that fails a check), and
 * which event of a delivery it writes.
 */

const web: ServiceConfig = {
  name: "web",
  image: "docker.io/acme/web",
  key: "configs/web/IMAGE_TAG",
  secrets: {},
  policy: { order: "numeric", allowDowngrade: false, allowLatest: false },
  jobs: [],
  rollout: { autoRevert: true, renderTimeoutMs: 60_000 },
};

function setup() {
  const clock = new ManualClock();
  const kv = new FakeKvStore(clock);
  const observed: WebhookObservation[] = [];
  const receiver = new PushReceiver({
    services: [web],
    verifyToken: async (token) => {
      if (token === "web-token") return { service: "web", jti: "j1" };
      if (token === "ghost-token") return { service: "ghost", jti: "j2" };
      throw new AuthError();
    },
    kv,
    history: new HistoryStore(kv, { clock }),
    deliveries: new DeliveryStore(kv, { clock }),
    clock,
    log: createLogger({ level: "silent" }),
    observer: { onWebhook: (event) => observed.push(event) },
  });
  return { kv, receiver, observed };
}

const request = (body: unknown, token = "web-token", contentType = "application/json"): HookRequest => ({
  token,
  headers: { "content-type": contentType },
  contentType,
  rawBody: Buffer.from(typeof body === "string" ? body : JSON.stringify(body)),
});

const writes = (kv: FakeKvStore) =>
  kv.calls.filter((call) => call.startsWith("set ") || call.startsWith("delete "));

describe("PushReceiver", () => {
  it("refuses a bad token before reading the content type or the body", async () => {
    const { kv, receiver } = setup();
    await expect(receiver.handle(request("{not json", "forged", "text/plain"))).rejects.toBeInstanceOf(
      AuthError,
    );
    expect(kv.calls).toEqual([]);
  });

  it("refuses a valid token whose service is not configured, like any bad token", async () => {
    const { kv, receiver } = setup();
    await expect(
      receiver.handle(request({ image: "acme/web", tag: "1" }, "ghost-token")),
    ).rejects.toBeInstanceOf(AuthError);
    expect(kv.calls).toEqual([]);
  });

  it.each([
    ["an unsupported content type", request({ image: "acme/web", tag: "1" }, "web-token", "text/plain"), 415],
    ["malformed JSON", request('{"image":'), 400],
    ["a tag with a newline", request({ image: "acme/web", tag: "1\nX=1" }), 400],
  ])("answers %s without touching KV", async (_what, req, status) => {
    const { kv, receiver } = setup();
    const error = await receiver.handle(req).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).status).toBe(status);
    expect(kv.calls).toEqual([]);
  });

  it("refuses another repository before recording the delivery or writing", async () => {
    const { kv, receiver } = setup();
    const req = request({ image: "acme/db", tag: "2" }, "web-token", "application/json");
    await expect(receiver.handle(req)).rejects.toBeInstanceOf(ForbiddenError);
    expect(writes(kv)).toEqual([]);
  });

  it("ignores another repository from a registry-wide sender with a 200, writing nothing", async () => {
    const { kv, receiver } = setup();
    const body = { events: [{ id: "d1", action: "push", target: { repository: "acme/db", tag: "2" } }] };
    const req = request(body, "web-token", "application/vnd.docker.distribution.events.v2+json");
    await expect(receiver.handle(req)).resolves.toMatchObject({ status: 200, body: { status: "ignored" } });
    expect(writes(kv)).toEqual([]);
  });

  it("writes the newest tag by policy when one delivery carries several", async () => {
    const { kv, receiver, observed } = setup();
    const event = (id: string, tag: string) => ({
      id,
      action: "push",
      target: { repository: "acme/web", tag },
    });
    const body = { events: [event("a", "3"), event("b", "10"), event("c", "2")] };
    const reply = await receiver.handle(
      request(body, "web-token", "application/vnd.docker.distribution.events.v1+json"),
    );
    expect(reply).toMatchObject({ status: 202, body: { status: "accepted", tag: "10" } });
    expect(kv.dump()["configs/web/IMAGE_TAG"]).toBe("10");
    expect(observed).toMatchObject([{ service: "web", source: "distribution", outcome: "accepted" }]);
  });

  it("answers a repeated delivery id as a duplicate without writing again", async () => {
    const { kv, receiver } = setup();
    const body = { events: [{ id: "d1", action: "push", target: { repository: "acme/web", tag: "5" } }] };
    const req = request(body, "web-token", "application/vnd.docker.distribution.events.v2+json");
    expect((await receiver.handle(req)).status).toBe(202);
    const before = { tag: await kv.get(web.key), history: await kv.get(historyKey("web")) };
    const again = await receiver.handle(req);
    expect(again).toMatchObject({
      status: 200,
      body: { status: "duplicate", reason: "delivery already processed" },
    });
    expect(await kv.get(web.key)).toEqual(before.tag);
    expect(await kv.get(historyKey("web"))).toEqual(before.history);
  });

  it("lets Consul being unreachable through as a 503 error", async () => {
    const { kv, receiver } = setup();
    kv.unavailable = true;
    const error = await receiver.handle(request({ image: "acme/web", tag: "7" })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect((error as UpstreamUnavailableError).status).toBe(503);
  });
});
