import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConsulKvStore } from "../../../src/kv/consul-kv-store.js";
import { consulAddr, kvDeleteTree, kvPut } from "../../helpers/cluster.js";

/** The KvStore contract, proven against the real Consul dev agent of the integration run. */
describe("ConsulKvStore", () => {
  const prefix = `it-kv-${randomUUID().slice(0, 8)}/`;
  let kv: ConsulKvStore;

  beforeAll(() => {
    kv = new ConsulKvStore({ address: consulAddr() });
  });

  afterAll(async () => {
    await kvDeleteTree(prefix);
    kv.close();
  });

  it("reads a missing key as undefined and round-trips any UTF-8 value", async () => {
    expect(await kv.get(`${prefix}missing`)).toBeUndefined();
    const value = "release-20260103\nünïcode ✓ = ok";
    expect(await kv.set(`${prefix}a`, value)).toBe(true);
    const entry = await kv.get(`${prefix}a`);
    expect(entry).toMatchObject({ key: `${prefix}a`, value });
    expect(entry?.modifyIndex).toBeGreaterThan(0);
    expect(entry?.createIndex).toBe(entry?.modifyIndex);
    expect(entry?.session).toBeUndefined();
  });

  it("stores an empty value as an empty string", async () => {
    await kv.set(`${prefix}empty`, "");
    expect((await kv.get(`${prefix}empty`))?.value).toBe("");
  });

  it("writes with cas only against the current ModifyIndex (0 = create only)", async () => {
    const key = `${prefix}cas`;
    expect(await kv.set(key, "one", { cas: 0 })).toBe(true);
    expect(await kv.set(key, "again", { cas: 0 })).toBe(false);
    const first = await kv.get(key);
    const index = first?.modifyIndex ?? 0;
    expect(await kv.set(key, "stale", { cas: index - 1 })).toBe(false);
    expect(await kv.set(key, "two", { cas: index })).toBe(true);
    const second = await kv.get(key);
    expect(second?.value).toBe("two");
    expect(second?.modifyIndex).toBeGreaterThan(index);
    expect(second?.createIndex).toBe(first?.createIndex);
  });

  describe("txn", () => {
    it("applies every op at once and reports each written entry's new index and flags", async () => {
      const [a, b, c] = [`${prefix}txn/a`, `${prefix}txn/b`, `${prefix}txn/c`];
      await kv.set(a, "old");
      const before = (await kv.get(a))?.modifyIndex ?? 0;
      const result = await kv.txn([
        { verb: "check-not-exists", key: c },
        { verb: "cas", key: a, value: "new ✓", index: before, flags: 7 },
        { verb: "cas", key: b, value: "created", index: 0 },
        { verb: "set", key: c, value: "plain" },
      ]);
      expect(result.committed).toBe(true);
      if (!result.committed) return;
      // One entry per write, none for the check, and no values in them; found by key.
      expect(result.entries.map((e) => [e.key, e.value])).toEqual([
        [a, ""],
        [b, ""],
        [c, ""],
      ]);
      const written = result.entries.find((e) => e.key === a);
      expect(written).toMatchObject({ flags: 7 });
      expect(written?.modifyIndex).toBeGreaterThan(before);
      expect(await kv.get(a)).toMatchObject({ value: "new ✓", flags: 7, modifyIndex: written?.modifyIndex });
      expect((await kv.get(b))?.value).toBe("created");
      expect((await kv.get(c))?.value).toBe("plain");
    });

    it("rolls back everything when a guard fails, naming the failed ops", async () => {
      const [a, b, d] = [`${prefix}txn2/a`, `${prefix}txn2/b`, `${prefix}txn2/d`];
      await kv.set(a, "kept");
      await kv.set(d, "present");
      const index = (await kv.get(a))?.modifyIndex ?? 0;
      const stale = await kv.txn([
        { verb: "cas", key: a, value: "lost", index: index - 1 },
        { verb: "set", key: b, value: "never" },
      ]);
      expect(stale).toMatchObject({ committed: false, failed: [{ op: 0 }] });
      const exists = await kv.txn([
        { verb: "set", key: b, value: "never" },
        { verb: "check-not-exists", key: d },
      ]);
      expect(exists).toMatchObject({ committed: false, failed: [{ op: 1 }] });
      const moved = await kv.txn([{ verb: "check-index", key: a, index: index + 1 }]);
      expect(moved.committed).toBe(false);
      expect(await kv.txn([{ verb: "check-index", key: a, index }])).toMatchObject({
        committed: true,
        entries: [{ key: a, value: "", modifyIndex: index }],
      });
      expect((await kv.get(a))?.value).toBe("kept");
      expect(await kv.get(b)).toBeUndefined();
    });
  });

  it("lists a prefix recursively with the index of its newest change", async () => {
    const dir = `${prefix}list/`;
    await kv.set(`${dir}x`, "1");
    await kv.set(`${dir}sub/y`, "2");
    const result = await kv.list(dir);
    expect(result.entries.map((e) => [e.key, e.value])).toEqual([
      [`${dir}sub/y`, "2"],
      [`${dir}x`, "1"],
    ]);
    expect(result.index).toBeGreaterThanOrEqual(Math.max(...result.entries.map((e) => e.modifyIndex)));
    const none = await kv.list(`${prefix}nothing-here/`);
    expect(none.entries).toEqual([]);
    expect(none.index).toBeGreaterThanOrEqual(1);
  });

  it("deletes with cas and recursively", async () => {
    const dir = `${prefix}del/`;
    await kv.set(`${dir}a`, "1");
    await kv.set(`${dir}b`, "2");
    const a = (await kv.get(`${dir}a`))?.modifyIndex ?? 0;
    expect(await kv.delete(`${dir}a`, { cas: a + 1000 })).toBe(false);
    expect(await kv.get(`${dir}a`)).toBeDefined();
    expect(await kv.delete(`${dir}a`, { cas: a })).toBe(true);
    expect(await kv.get(`${dir}a`)).toBeUndefined();
    expect(await kv.delete(dir, { recurse: true })).toBe(true);
    expect((await kv.list(dir)).entries).toEqual([]);
  });

  describe("watchList", () => {
    const dir = `${prefix}watch/`;

    it("with index 0 answers at once", async () => {
      await kv.set(`${dir}k`, "v0");
      const result = await kv.watchList(dir, 0, 60_000);
      expect(result.entries.map((e) => e.value)).toEqual(["v0"]);
    });

    it("blocks until a write under the prefix, then returns it with a higher index", async () => {
      const { index } = await kv.list(dir);
      const watching = kv.watchList(dir, index, 60_000);
      let settled = false;
      void watching.then(() => (settled = true));
      await new Promise((r) => setTimeout(r, 300));
      expect(settled).toBe(false);
      // An operator's `consul kv put`, not our own client.
      await kvPut(`${dir}k`, "v1");
      const result = await watching;
      expect(result.index).toBeGreaterThan(index);
      expect(result.entries.find((e) => e.key === `${dir}k`)?.value).toBe("v1");
    });

    it("returns unchanged once the wait passes", async () => {
      const { index } = await kv.list(dir);
      const result = await kv.watchList(dir, index, 500);
      expect(result.index).toBe(index);
    });

    it("ignores writes outside the prefix", async () => {
      const { index } = await kv.list(dir);
      const watching = kv.watchList(dir, index, 1_500);
      await kv.set(`${prefix}elsewhere`, "x");
      expect((await watching).index).toBe(index);
    });

    it("rejects with the signal's reason when aborted, without waiting out the query", async () => {
      const { index } = await kv.list(dir);
      const controller = new AbortController();
      const started = Date.now();
      const watching = kv.watchList(dir, index, 120_000, controller.signal);
      setTimeout(() => controller.abort(new Error("leadership lost")), 200);
      await expect(watching).rejects.toThrow("leadership lost");
      // Generous bound: far below the 120 s wait, so the request really was cut.
      expect(Date.now() - started).toBeLessThan(30_000);
    });

    it("rejects at once for an already aborted signal", async () => {
      const controller = new AbortController();
      controller.abort(new Error("stopped"));
      await expect(kv.watchList(dir, 1, 60_000, controller.signal)).rejects.toThrow("stopped");
    });
  });

  describe("sessions and locks", () => {
    const lock = `${prefix}leader`;

    it("lets one session hold a lock, keeps the value on release, and hands over", async () => {
      const a = await kv.createSession({ name: "it-a", ttl: "15s", behavior: "release", lockDelay: "0s" });
      const b = await kv.createSession({ name: "it-b", ttl: "15s", behavior: "release", lockDelay: "0s" });
      try {
        expect(await kv.acquire(lock, "holder-a", a)).toBe(true);
        expect(await kv.acquire(lock, "holder-b", b)).toBe(false);
        expect(await kv.get(lock)).toMatchObject({ value: "holder-a", session: a });
        expect(await kv.release(lock, b)).toBe(false);
        expect(await kv.release(lock, a)).toBe(true);
        const released = await kv.get(lock);
        expect(released?.session).toBeUndefined();
        expect(released?.value).toBe("holder-a");
        expect(await kv.acquire(lock, "holder-b", b)).toBe(true);
      } finally {
        await kv.destroySession(a);
        await kv.destroySession(b);
      }
    });

    it("renews a live session and reports a destroyed one as gone", async () => {
      const s = await kv.createSession({ name: "it-renew", ttl: "10s", behavior: "delete" });
      expect(await kv.renewSession(s)).toBe(true);
      await kv.destroySession(s);
      expect(await kv.renewSession(s)).toBe(false);
      // Acquiring with a dead session is "not yours", not "Consul is down".
      expect(await kv.acquire(`${prefix}other-lock`, "x", s)).toBe(false);
    });

    it("releases the lock when the holding session is destroyed (behavior release)", async () => {
      const key = `${prefix}leader-2`;
      const s = await kv.createSession({
        name: "it-destroy",
        ttl: "15s",
        behavior: "release",
        lockDelay: "0s",
      });
      expect(await kv.acquire(key, "v", s)).toBe(true);
      await kv.destroySession(s);
      expect((await kv.get(key))?.session).toBeUndefined();
    });
  });
});
