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
import { IngestState } from "../../../src/ingress/ingest-state.js";
import { PushWriter } from "../../../src/ingress/push-write.js";
import { DeliveryStore } from "../../../src/state/delivery-store.js";
import { HistoryStore } from "../../../src/state/history-store.js";
import { tokenKey } from "../../../src/state/kv-layout.js";
import { FakeKvStore } from "../../helpers/fake-kv-store.js";
import { ManualClock } from "../state/manual-clock.js";

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

const WEB_JTI = "webjtiAAAAAAAAAAAAAAAA";

function setup() {
  const clock = new ManualClock();
  const kv = new FakeKvStore(clock);
  const log = createLogger({ level: "silent" });
  const observed: WebhookObservation[] = [];
  // Not started: with no current copy, every value is read from KV the first time.
  const state = new IngestState({ kv, services: [web], clock, logger: log });
  const history = new HistoryStore(kv, { clock });
  const deliveries = new DeliveryStore(kv, { clock });
  const receiver = new PushReceiver({
    services: [web],
    verifyToken: async (token) => {
      if (token === "web-token") return { service: "web", jti: WEB_JTI };
      if (token === "ghost-token") return { service: "ghost", jti: "ghostjtiAAAAAAAAAAAAAA" };
      throw new AuthError();
    },
    writer: new PushWriter({ kv, state, history, deliveries, clock, log }),
    clock,
    log,
    observer: { onWebhook: (event) => observed.push(event) },
  });
  return { kv, receiver, observed, history };
}

const request = (body: unknown, token = "web-token", contentType = "application/json"): HookRequest => ({
  token,
  headers: { "content-type": contentType },
  contentType,
  rawBody: Buffer.from(typeof body === "string" ? body : JSON.stringify(body)),
});

const writes = (kv: FakeKvStore) => kv.calls.filter((call) => /^(set|delete|txn) /.test(call));

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
    const before = { tag: await kv.get(web.key), all: kv.dump() };
    const again = await receiver.handle(req);
    expect(again).toMatchObject({
      status: 200,
      body: { status: "duplicate", reason: "delivery already processed" },
    });
    expect(await kv.get(web.key)).toEqual(before.tag);
    expect(kv.dump()).toEqual(before.all);
  });

  it("writes the value, its history entry and the delivery record in one transaction", async () => {
    const { kv, receiver, history } = setup();
    const body = { events: [{ id: "d9", action: "push", target: { repository: "acme/web", tag: "4" } }] };
    const req = request(body, "web-token", "application/vnd.docker.distribution.events.v2+json");
    expect((await receiver.handle(req)).status).toBe(202);
    // The first push of a service reads its value once (no current copy here), then one txn.
    expect(kv.calls.filter((c) => !c.startsWith("get "))).toHaveLength(1);
    expect(kv.calls[kv.calls.length - 1]).toMatch(
      /^txn check-not-exists tagroll\/revoked\/.*cas configs\/web\/IMAGE_TAG/,
    );
    expect((await history.list("web")).map((e) => [e.kind, e.tag, e.source])).toEqual([
      ["push", "4", "distribution"],
    ]);
    kv.calls.length = 0;
    const next = { events: [{ id: "d10", action: "push", target: { repository: "acme/web", tag: "6" } }] };
    const reply = await receiver.handle(
      request(next, "web-token", "application/vnd.docker.distribution.events.v2+json"),
    );
    expect(reply.status).toBe(202);
    // What the first transaction returned is known: no read this time.
    expect(kv.calls.map((c) => c.split(" ")[0])).toEqual(["txn"]);
  });

  it("refuses a token revoked after it was verified, writing nothing", async () => {
    const { kv, receiver } = setup();
    await kv.set(tokenKey("revoked", WEB_JTI), "{}");
    const before = kv.dump();
    await expect(receiver.handle(request({ image: "acme/web", tag: "8" }))).rejects.toBeInstanceOf(AuthError);
    expect(kv.dump()).toEqual(before);
  });

  it("decides again on the stored value when its copy was out of date", async () => {
    const { kv, receiver } = setup();
    expect((await receiver.handle(request({ image: "acme/web", tag: "5" }))).status).toBe(202);
    // Someone else writes a higher tag; this process still believes "5".
    await kv.set(web.key, "9");
    const reply = await receiver.handle(request({ image: "acme/web", tag: "7" }));
    expect(reply).toMatchObject({ status: 200, body: { status: "rejected_by_policy" } });
    expect(kv.dump()[web.key]).toBe("9");
  });

  it("lets Consul being unreachable through as a 503 error", async () => {
    const { kv, receiver } = setup();
    kv.unavailable = true;
    const error = await receiver.handle(request({ image: "acme/web", tag: "7" })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect((error as UpstreamUnavailableError).status).toBe(503);
  });
});
