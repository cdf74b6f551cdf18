import { describe, expect, it } from "vitest";
import { DeliveryStore } from "../../../src/state/delivery-store.js";
import { InterferingKvStore } from "./interfering-kv-store.js";
import { ManualClock } from "./manual-clock.js";

describe("DeliveryStore", () => {
  it("is true for the first sighting of a delivery to a service and false afterwards", async () => {
    const store = new DeliveryStore(new InterferingKvStore(), { clock: new ManualClock() });
    expect(await store.markSeen("web", "ghcr", "d-1")).toBe(true);
    expect(await store.markSeen("web", "ghcr", "d-1")).toBe(false);
    expect(await store.markSeen("web", "harbor", "d-1")).toBe(true);
    expect(await store.markSeen("web", "ghcr", "d-2")).toBe(true);
    // The same event sent to another service's URL (a prod and a canary key) is new to that one.
    expect(await store.has("web-canary", "ghcr", "d-1")).toBe(false);
    expect(await store.markSeen("web-canary", "ghcr", "d-1")).toBe(true);
  });

  it("keys records by a hash, never by the sender's raw id", async () => {
    const kv = new InterferingKvStore();
    const store = new DeliveryStore(kv, { clock: new ManualClock() });
    await store.markSeen("web", "distribution", "../../configs/web/IMAGE_TAG");
    const [key] = kv.keys();
    expect(key).toMatch(/^tagroll\/deliveries\/web\/[0-9a-f]{64}$/);
  });

  it("refuses a service name that could address another folder", async () => {
    const store = new DeliveryStore(new InterferingKvStore(), { clock: new ManualClock() });
    await expect(store.markSeen("../web", "ghcr", "d-1")).rejects.toThrow(/invalid service name/);
  });

  it("does not confuse (source, id) pairs that concatenate alike", async () => {
    const store = new DeliveryStore(new InterferingKvStore(), { clock: new ManualClock() });
    expect(await store.markSeen("web", "ab", "c")).toBe(true);
    expect(await store.markSeen("web", "a", "bc")).toBe(true);
  });

  it("lets only one of two simultaneous identical deliveries through", async () => {
    const store = new DeliveryStore(new InterferingKvStore(), { clock: new ManualClock() });
    const results = await Promise.all([
      store.markSeen("web", "quay", "x"),
      store.markSeen("web", "quay", "x"),
    ]);
    expect(results.sort()).toEqual([false, true]);
  });

  it("tells whether a delivery was recorded without recording it", async () => {
    const store = new DeliveryStore(new InterferingKvStore(), { clock: new ManualClock() });
    expect(await store.has("web", "dockerhub", "cb-1")).toBe(false);
    expect(await store.has("web", "dockerhub", "cb-1")).toBe(false);
    await store.markSeen("web", "dockerhub", "cb-1");
    expect(await store.has("web", "dockerhub", "cb-1")).toBe(true);
    expect(await store.has("web", "quay", "cb-1")).toBe(false);
  });

  it("expires records older than the given age, and unreadable ones", async () => {
    const kv = new InterferingKvStore();
    const clock = new ManualClock();
    const store = new DeliveryStore(kv, { clock });
    await store.markSeen("web", "ghcr", "old");
    clock.advance(60_000);
    await store.markSeen("web", "ghcr", "new");
    await kv.put("tagroll/deliveries/garbage", "???");
    clock.advance(30_000);

    expect(await store.expire(45_000)).toBe(2);
    expect(await store.markSeen("web", "ghcr", "new")).toBe(false);
    expect(await store.markSeen("web", "ghcr", "old")).toBe(true);
    expect(kv.keys()).not.toContain("tagroll/deliveries/garbage");
  });
});
