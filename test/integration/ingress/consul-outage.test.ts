import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startTagroll, type TestTagroll } from "../../helpers/tagroll.js";
import { cleanService, history, keysUnder, kvValue, modifyIndex, snapshotSharedKeys } from "./kv-probe.js";
import { fixture, postHook } from "./source-payloads.js";
import { TcpProxy } from "./tcp-proxy.js";
import { folderPrefix } from "../../../src/state/kv-layout.js";

/**
 * Consul going away mid-run (README, "Troubleshooting": 503 so the sender retries,
 * nothing half-written). tagroll talks to Consul through a TCP proxy the test cuts, like a
 * network fault; the assertions read Consul directly, so they see exactly what was written.
 */

const SERVICE = "out-web";
const KEY = `configs/${SERVICE}/IMAGE_TAG`;
/** Generous: refused connections must fail at once, not after a request timeout. */
const QUICK_MS = 10_000;

const generic = (tag: string) => ({
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ image: "registry.example.com/acme/out-web", tag }),
});

/**
 * The write of the desired tag as it crosses the wire: the webhook's one transaction
 * (src/ingress/push-write.ts), which carries the tag, its history entry and the dedupe record.
 */
const tagWrite = /^PUT \/v1\/txn/m;

/** A Distribution notification with its own event id, as a registry would redeliver it. */
function distribution(tag: string, id: string) {
  const { body } = fixture("distribution-v3-push");
  Object.assign(body.events[0], { id });
  Object.assign(body.events[0].target, { repository: "acme/out-web", tag });
  Object.assign(body.events[0].request, { host: "registry.example.com" });
  return {
    headers: { "content-type": "application/vnd.docker.distribution.events.v2+json" },
    body: JSON.stringify(body),
  };
}

describe("ingress when Consul is unreachable", () => {
  let proxy: TcpProxy;
  let tagroll: TestTagroll;
  let url: string;
  let shared: Awaited<ReturnType<typeof snapshotSharedKeys>>;

  beforeAll(async () => {
    shared = await snapshotSharedKeys();
    proxy = await TcpProxy.start(inject("consulAddr"));
    tagroll = await startTagroll({
      yaml: `services:\n  - name: ${SERVICE}\n    image: registry.example.com/acme/out-web\n`,
      consulAddr: proxy.url,
    });
    url = await tagroll.mintUrl(SERVICE);
  });

  afterAll(async () => {
    await tagroll?.close();
    await proxy?.close();
    await cleanService(SERVICE, KEY);
    await shared?.cleanup();
  });

  it("answers 503 quickly while Consul is away, writes nothing, and recovers", async () => {
    expect((await postHook(url, generic("1"))).status).toBe(202);
    const index = await modifyIndex(KEY);
    const entries = await history(SERVICE);

    await proxy.pause();
    for (const tag of ["2", "3", "4"]) {
      const started = Date.now();
      const res = await postHook(url, generic(tag));
      expect(Date.now() - started).toBeLessThan(QUICK_MS);
      expect(res.status, res.text).toBe(503);
      expect(res.body["error"]).toBe("upstream_unavailable");
    }
    const ready = await fetch(`${tagroll.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { unavailable: string[] }).unavailable).toContain("consul");

    expect(await modifyIndex(KEY)).toBe(index);
    expect(await kvValue(KEY)).toBe("1");
    expect(await history(SERVICE)).toEqual(entries);

    await proxy.resume();
    const res = await postHook(url, generic("5"));
    expect(res.status, res.text).toBe(202);
    expect(await kvValue(KEY)).toBe("5");
    expect((await history(SERVICE)).map((e) => e.tag)).toEqual([...entries.map((e) => e.tag), "5"]);
    expect((await fetch(`${tagroll.url}/readyz`)).status).toBe(200);
  });

  // The dedupe record is written only after the tag write: written first, it would outlive a
  // write that fails with Consul gone, and the redelivery would be dropped as a duplicate.
  it("a fault at the moment of the tag write: 503, nothing written, and the redelivery succeeds", async () => {
    const index = await modifyIndex(KEY);
    const entries = await history(SERVICE);
    const delivery = distribution("6", randomUUID());

    // The network fails exactly when the tag write goes out.
    proxy.cutOn(tagWrite);
    const cut = await postHook(url, delivery);
    expect(cut.status, cut.text).toBe(503);
    expect(proxy.paused).toBe(true);
    expect(await modifyIndex(KEY)).toBe(index);
    expect(await history(SERVICE)).toEqual(entries);

    // Distribution redelivers the same event (same id) until it gets a 2xx.
    await proxy.resume();
    const retried = await postHook(url, delivery);
    expect(retried.status, retried.text).toBe(202);
    expect(await kvValue(KEY)).toBe("6");
    expect((await history(SERVICE)).at(-1)).toMatchObject({ tag: "6", source: "distribution" });

    // And once done, a further redelivery is the duplicate it now really is.
    const again = await postHook(url, delivery);
    expect(again.status).toBe(200);
    expect(again.body["status"]).toBe("duplicate");
  });

  it("leaves no dedupe record behind for a delivery that failed", async () => {
    const before = await keysUnder(folderPrefix("deliveries"));
    proxy.cutOn(tagWrite);
    expect((await postHook(url, distribution("7", randomUUID()))).status).toBe(503);
    await proxy.resume();
    expect(await keysUnder(folderPrefix("deliveries"))).toEqual(before);
  });

  it("logged no token, not even in the errors of the outage", () => {
    expect(
      tagroll.logs().some((line) => line.includes("upstream_unavailable") || line.includes("unreachable")),
    ).toBe(true);
    expect(tagroll.linesWithTokens()).toEqual([]);
  });
});
