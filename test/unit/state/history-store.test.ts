import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../src/core/errors.js";
import { HistoryStore } from "../../../src/state/history-store.js";
import { InterferingKvStore } from "./interfering-kv-store.js";
import { ManualClock } from "./manual-clock.js";

describe("HistoryStore", () => {
  it("appends under tagroll/history/<service> with a generated id and the clock's time", async () => {
    const kv = new InterferingKvStore();
    const clock = new ManualClock(Date.UTC(2026, 2, 4, 5, 6, 7));
    const store = new HistoryStore(kv, { clock });
    const entry = await store.append("web", { kind: "push", tag: "1.2.3", source: "dockerhub" });
    expect(entry.at).toBe("2026-03-04T05:06:07.000Z");
    expect(entry.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(kv.keys()).toEqual([`tagroll/history/web/${entry.id}`]);
    expect(await store.list("web")).toEqual([entry]);
  });

  it("keeps entries oldest first and drops the oldest beyond the limit", async () => {
    const kv = new InterferingKvStore();
    const store = new HistoryStore(kv, { clock: new ManualClock(), limit: 3 });
    for (const tag of ["a", "b", "c", "d", "e"]) await store.append("web", { kind: "push", tag });
    expect((await store.list("web")).map((e) => e.tag)).toEqual(["c", "d", "e"]);
  });

  it("stores an entry once however often the same id is appended", async () => {
    const kv = new InterferingKvStore();
    const store = new HistoryStore(kv, { clock: new ManualClock() });
    const first = await store.append("web", { id: "e1", kind: "rollout", outcome: "succeeded" });
    const again = await store.append("web", { id: "e1", kind: "rollout", outcome: "succeeded" });
    expect(again).toEqual(first);
    expect(await store.list("web")).toHaveLength(1);
  });

  it("reads a history written as one array before entries had keys, oldest first", async () => {
    const kv = new InterferingKvStore();
    const old = [{ id: "old", at: "2026-01-01T00:00:00.000Z", kind: "operator", tag: "x" }];
    await kv.put("tagroll/history/web", JSON.stringify(old));
    const store = new HistoryStore(kv, { clock: new ManualClock(), limit: 3 });
    await store.append("web", { id: "mine", kind: "push", tag: "y" });
    expect((await store.list("web")).map((e) => e.id)).toEqual(["old", "mine"]);
    // Once newer entries fill the cap, the old array goes.
    for (const id of ["n1", "n2", "n3"]) await store.append("web", { id, kind: "push" });
    expect((await store.list("web")).map((e) => e.id)).toEqual(["n1", "n2", "n3"]);
    expect(kv.keys()).not.toContain("tagroll/history/web");
  });

  it("adds entries through transaction ops and trims once a whole cap was added (40 appends, cap 20)", async () => {
    const kv = new InterferingKvStore();
    const store = new HistoryStore(kv, { clock: new ManualClock(), limit: 20 });
    const errors: unknown[] = [];
    const stored = () => kv.keys().filter((k) => k.startsWith("tagroll/history/web/"));
    const append = async (i: number) => {
      const { op } = store.prepare("web", { id: `t${i}`, kind: "push", tag: `${i}` });
      const result = await kv.txn([op]);
      if (!result.committed) throw new Error(`txn for t${i} rolled back`);
      store.appended("web", result.entries[0], (err) => errors.push(err));
      await new Promise((resolve) => setTimeout(resolve, 10));
    };
    for (let i = 0; i < 39; i++) await append(i);
    // One trim so far (after 20 appends) found nothing beyond the cap; readers still see 20.
    expect(stored()).toHaveLength(39);
    expect((await store.list("web")).map((e) => e.id)).toHaveLength(20);
    expect((await store.list("web")).map((e) => e.id)[0]).toBe("t19");
    await append(39);
    expect(errors).toEqual([]);
    expect(stored()).toHaveLength(20);
    expect((await store.list("web")).map((e) => e.id)[0]).toBe("t20");
  });

  it("loses and duplicates nothing when many appends run at once", async () => {
    const kv = new InterferingKvStore();
    const store = new HistoryStore(kv, { clock: new ManualClock() });
    const ids = Array.from({ length: 25 }, (_, i) => `entry-${i}`);
    await Promise.all(ids.map((id) => store.append("web", { id, kind: "push", tag: id })));
    const listed = (await store.list("web")).map((e) => e.id);
    expect(listed).toHaveLength(25);
    expect(new Set(listed)).toEqual(new Set(ids));
  });

  it("leaves out values broken by hand, and keeps appending", async () => {
    const kv = new InterferingKvStore();
    await kv.put("tagroll/history/web", "{not json");
    await kv.put("tagroll/history/web/broken", "[1,2");
    const store = new HistoryStore(kv, { clock: new ManualClock() });
    expect(await store.list("web")).toEqual([]);
    await store.append("web", { kind: "operator", tag: "v2" });
    expect((await store.list("web")).map((e) => e.tag)).toEqual(["v2"]);
  });

  it("refuses a service name that could address another key", async () => {
    const store = new HistoryStore(new InterferingKvStore(), { clock: new ManualClock() });
    await expect(store.append("web/../db", { kind: "push" })).rejects.toBeInstanceOf(ValidationError);
    await expect(store.list("")).rejects.toBeInstanceOf(ValidationError);
  });

  it("honours another state root", async () => {
    const kv = new InterferingKvStore();
    const entry = await new HistoryStore(kv, { clock: new ManualClock(), root: "staging/tagroll" }).append(
      "web",
      { kind: "push" },
    );
    expect(kv.keys()).toEqual([`staging/tagroll/history/web/${entry.id}`]);
  });
});
