import { describe, expect, it } from "vitest";
import { DeliveryStore } from "../../../src/state/delivery-store.js";
import { InterferingKvStore } from "./interfering-kv-store.js";
import { ManualClock } from "./manual-clock.js";

describe("DeliveryStore", () => {
  it("is true for the first sighting of a delivery and false afterwards", async () => {
    const store = new DeliveryStore(new InterferingKvStore(), { clock: new ManualClock() });
    expect(await store.markSeen("ghcr", "d-1")).toBe(true);
    expect(await store.markSeen("ghcr", "d-1")).toBe(false);
    expect(await store.markSeen("harbor", "d-1")).toBe(true);
    expect(await store.markSeen("ghcr", "d-2")).toBe(true);
  });

  it("keys records by a hash, never by the sender's raw id", async () => {
    const kv = new InterferingKvStore();
    const store = new DeliveryStore(kv, { clock: new ManualClock() });
    await store.markSeen("distribution", "../../configs/web/IMAGE_TAG");
    const [key] = kv.keys();
    expect(key).toMatch(/^tagroll\/deliveries\/[0-9a-f]{64}$/);
  });

  it("does not confuse (source, id) pairs that concatenate alike", async () => {
    const store = new DeliveryStore(new InterferingKvStore(), { clock: new ManualClock() });
    expect(await store.markSeen("ab", "c")).toBe(true);
    expect(await store.markSeen("a", "bc")).toBe(true);
  });

  it("lets only one of two simultaneous identical deliveries through", async () => {
    const store = new DeliveryStore(new InterferingKvStore(), { clock: new ManualClock() });
    const results = await Promise.all([store.markSeen("quay", "x"), store.markSeen("quay", "x")]);
    expect(results.sort()).toEqual([false, true]);
  });

  it("tells whether a delivery was recorded without recording it", async () => {
    const store = new DeliveryStore(new InterferingKvStore(), { clock: new ManualClock() });
    expect(await store.has("dockerhub", "cb-1")).toBe(false);
    expect(await store.has("dockerhub", "cb-1")).toBe(false);
    await store.markSeen("dockerhub", "cb-1");
    expect(await store.has("dockerhub", "cb-1")).toBe(true);
    expect(await store.has("quay", "cb-1")).toBe(false);
  });

  it("expires records older than the given age, and unreadable ones", async () => {
    const kv = new InterferingKvStore();
    const clock = new ManualClock();
    const store = new DeliveryStore(kv, { clock });
    await store.markSeen("ghcr", "old");
    clock.advance(60_000);
    await store.markSeen("ghcr", "new");
    await kv.put("tagroll/deliveries/garbage", "???");
    clock.advance(30_000);

    expect(await store.expire(45_000)).toBe(2);
    expect(await store.markSeen("ghcr", "new")).toBe(false);
    expect(await store.markSeen("ghcr", "old")).toBe(true);
    expect(kv.keys()).not.toContain("tagroll/deliveries/garbage");
  });
});
