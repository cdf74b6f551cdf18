import { describe, expect, it } from "vitest";
import { RolloutStore } from "../../../src/state/rollout-store.js";
import { InterferingKvStore } from "./interfering-kv-store.js";

interface TestRollout {
  id: string;
  value: string;
  done: string[];
}

const parseRollout = (raw: unknown): TestRollout => {
  const r = raw as Partial<TestRollout>;
  if (typeof r?.id !== "string" || typeof r.value !== "string" || !Array.isArray(r.done)) {
    throw new Error("missing id/value/done");
  }
  return r as TestRollout;
};

describe("RolloutStore", () => {
  it("round-trips a record with its ModifyIndex", async () => {
    const kv = new InterferingKvStore();
    const store = new RolloutStore<TestRollout>(kv, { parse: parseRollout });
    const record = { id: "r1", value: "1.0.0", done: ["a1"] };
    expect(await store.put("web", record)).toBe(true);
    const stored = await store.get("web");
    expect(stored?.record).toEqual(record);
    expect(stored?.modifyIndex).toBe((await kv.get("tagroll/rollouts/web"))?.modifyIndex);
  });

  it("is undefined for a service without a rollout", async () => {
    expect(await new RolloutStore(new InterferingKvStore()).get("web")).toBeUndefined();
  });

  it("writes with cas only while nobody else has written", async () => {
    const kv = new InterferingKvStore();
    const store = new RolloutStore<TestRollout>(kv);
    expect(await store.put("web", { id: "r1", value: "1", done: [] }, 0)).toBe(true);
    expect(await store.put("web", { id: "r2", value: "2", done: [] }, 0)).toBe(false);
    const current = await store.get("web");
    // A new leader writes in between: the old leader's CAS must fail.
    await store.put("web", { id: "r1", value: "1", done: ["x"] });
    expect(await store.put("web", { id: "r1", value: "1", done: ["stale"] }, current?.modifyIndex)).toBe(
      false,
    );
    expect((await store.get("web"))?.record.done).toEqual(["x"]);
  });

  it("lists every service's rollout", async () => {
    const kv = new InterferingKvStore();
    const store = new RolloutStore<TestRollout>(kv);
    await store.put("web", { id: "r1", value: "1", done: [] });
    await store.put("api", { id: "r2", value: "2", done: [] });
    await kv.put("tagroll/history/web", "[]");
    const all = await store.list();
    expect([...all.keys()].sort()).toEqual(["api", "web"]);
    expect(all.get("api")?.record.id).toBe("r2");
  });

  it("reports a record that is not JSON or fails validation, naming the key", async () => {
    const kv = new InterferingKvStore();
    const store = new RolloutStore<TestRollout>(kv, { parse: parseRollout });
    await kv.put("tagroll/rollouts/web", "not json");
    await expect(store.get("web")).rejects.toThrow(/tagroll\/rollouts\/web does not hold JSON/);
    await kv.put("tagroll/rollouts/web", JSON.stringify({ id: 1 }));
    await expect(store.get("web")).rejects.toThrow(/tagroll\/rollouts\/web .*missing id/);
  });

  it("deletes with an optional cas", async () => {
    const kv = new InterferingKvStore();
    const store = new RolloutStore<TestRollout>(kv);
    await store.put("web", { id: "r1", value: "1", done: [] });
    const stored = await store.get("web");
    expect(await store.delete("web", (stored?.modifyIndex ?? 0) + 100)).toBe(false);
    expect(await store.delete("web", stored?.modifyIndex)).toBe(true);
    expect(await store.get("web")).toBeUndefined();
  });
});
