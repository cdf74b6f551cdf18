import { describe, expect, it } from "vitest";
import type { Clock } from "../../../src/core/clock.js";
import { UpstreamUnavailableError } from "../../../src/core/errors.js";
import { FakeKvStore } from "../../helpers/fake-kv-store.js";

/**
 * The shared fake's own tests (it lives in test/helpers; the revocation store is its first user).
 * Every behaviour here was checked against a Consul 1.22.7 dev agent through ConsulKvStore.
 */

/** A clock whose sleeps end only when the test advances time past them. */
class StepClock implements Clock {
  private time = 1_000_000;
  private timers: Array<{ at: number; done: () => void }> = [];
  now = () => this.time;
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = { at: this.time + ms, done: resolve };
      this.timers.push(timer);
      signal?.addEventListener("abort", () => {
        this.timers = this.timers.filter((t) => t !== timer);
        reject(signal.reason as Error);
      });
    });
  }
  advance(ms: number): void {
    this.time += ms;
    const due = this.timers.filter((t) => t.at <= this.time);
    this.timers = this.timers.filter((t) => t.at > this.time);
    for (const timer of due) timer.done();
  }
}

describe("FakeKvStore CAS and indexes", () => {
  it("creates with cas 0 only, writes with a matching cas only", async () => {
    const kv = new FakeKvStore();
    expect(await kv.set("a", "1", { cas: 0 })).toBe(true);
    expect(await kv.set("a", "2", { cas: 0 })).toBe(false);
    const first = await kv.get("a");
    expect(first?.createIndex).toBe(first?.modifyIndex);
    expect(await kv.set("a", "2", { cas: (first?.modifyIndex ?? 0) - 1 })).toBe(false);
    expect(await kv.set("a", "2", { cas: first?.modifyIndex ?? 0 })).toBe(true);
    const second = await kv.get("a");
    expect(second?.createIndex).toBe(first?.createIndex);
    expect(second?.modifyIndex).toBeGreaterThan(first?.modifyIndex ?? 0);
    expect(await kv.set("missing", "1", { cas: 5 })).toBe(false);
  });

  it("does not bump the index for a write that changes nothing", async () => {
    const kv = new FakeKvStore();
    await kv.set("a", "1");
    const before = await kv.get("a");
    expect(await kv.set("a", "1")).toBe(true);
    expect((await kv.get("a"))?.modifyIndex).toBe(before?.modifyIndex);
  });

  it("delete-CAS fails on a stale index and succeeds on a missing key", async () => {
    const kv = new FakeKvStore();
    await kv.set("p/b", "1");
    const b = await kv.get("p/b");
    expect(await kv.delete("p/b", { cas: (b?.modifyIndex ?? 0) - 1 })).toBe(false);
    expect(await kv.delete("p/missing", { cas: 7 })).toBe(true);
    expect(await kv.delete("p/b", { cas: b?.modifyIndex ?? 0 })).toBe(true);
    expect(await kv.get("p/b")).toBeUndefined();
    // In a transaction too (checked against Consul 1.14.8: `"Errors": null` for a missing key).
    expect((await kv.txn([{ verb: "delete-cas", key: "p/missing", index: 7 }])).committed).toBe(true);
  });

  it("lists a prefix with the highest modify or delete index under it", async () => {
    const kv = new FakeKvStore();
    await kv.set("p/a", "1");
    await kv.set("p/b", "2");
    await kv.set("q/x", "3");
    const listed = await kv.list("p/");
    expect(listed.entries.map((e) => e.key)).toEqual(["p/a", "p/b"]);
    expect(listed.index).toBe((await kv.get("p/b"))?.modifyIndex);
    await kv.delete("p/b");
    const afterDelete = await kv.list("p/");
    expect(afterDelete.index).toBeGreaterThan((await kv.get("p/a"))?.modifyIndex ?? 0);
    const never = await kv.list("never/");
    expect(never).toEqual({ entries: [], index: afterDelete.index });
    await kv.delete("p/", { recurse: true });
    expect((await kv.list("p/")).entries).toEqual([]);
    expect(kv.dump()).toEqual({ "q/x": "3" });
  });

  it("returns copies, so a caller cannot change the store", async () => {
    const kv = new FakeKvStore();
    await kv.set("a", "1");
    const entry = await kv.get("a");
    if (entry) entry.value = "changed";
    expect((await kv.get("a"))?.value).toBe("1");
  });
});

describe("FakeKvStore blocking queries", () => {
  it("answers at once for index 0 or an index behind", async () => {
    const kv = new FakeKvStore(new StepClock());
    await kv.set("p/a", "1");
    const { index } = await kv.list("p/");
    expect((await kv.watchList("p/", 0, 60_000)).index).toBe(index);
    expect((await kv.watchList("p/", index - 1, 60_000)).index).toBe(index);
  });

  it("wakes on a change under the prefix, not elsewhere, and times out on the clock", async () => {
    const clock = new StepClock();
    const kv = new FakeKvStore(clock);
    await kv.set("p/a", "1");
    const { index } = await kv.list("p/");
    let settled = false;
    const waiting = kv.watchList("p/", index, 60_000).then((result) => {
      settled = true;
      return result;
    });
    await kv.set("other/x", "1");
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    await kv.set("p/b", "2");
    const woken = await waiting;
    expect(woken.entries.map((e) => e.key)).toEqual(["p/a", "p/b"]);
    expect(woken.index).toBeGreaterThan(index);

    const timingOut = kv.watchList("p/", woken.index, 5_000);
    clock.advance(5_000);
    expect((await timingOut).index).toBe(woken.index);
  });

  it("rejects with the signal's reason when aborted", async () => {
    const kv = new FakeKvStore(new StepClock());
    await kv.set("p/a", "1");
    const { index } = await kv.list("p/");
    const controller = new AbortController();
    const waiting = kv.watchList("p/", index, 60_000, controller.signal);
    const reason = new Error("stopping");
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
  });
});

describe("FakeKvStore sessions and locks", () => {
  const session = (kv: FakeKvStore, behavior: "release" | "delete" = "release", lockDelay = "0s") =>
    kv.createSession({ name: "t", ttl: "10s", behavior, lockDelay });

  it("lets one session hold a lock; a plain write keeps it; release frees it", async () => {
    const kv = new FakeKvStore(new StepClock());
    const [one, two] = [await session(kv), await session(kv)];
    expect(await kv.acquire("lock", "one", one)).toBe(true);
    expect(await kv.acquire("lock", "two", two)).toBe(false);
    expect(await kv.acquire("lock", "one-b", one)).toBe(true);
    expect(await kv.set("lock", "plain")).toBe(true);
    expect((await kv.get("lock"))?.session).toBe(one);
    expect(await kv.release("lock", two)).toBe(false);
    expect(await kv.release("lock", one)).toBe(true);
    expect(await kv.get("lock")).toEqual(expect.not.objectContaining({ session: expect.anything() }));
    expect((await kv.get("lock"))?.value).toBe("plain");
    expect(await kv.release("lock", one)).toBe(false);
    expect(await kv.acquire("lock", "two", two)).toBe(true);
  });

  it("releases held keys when a session is destroyed, then enforces its lock-delay", async () => {
    const clock = new StepClock();
    const kv = new FakeKvStore(clock);
    const [holder, other] = [await session(kv, "release", "2s"), await session(kv)];
    await kv.acquire("lock", "held", holder);
    await kv.destroySession(holder);
    expect(await kv.get("lock")).toEqual(expect.objectContaining({ value: "held" }));
    expect((await kv.get("lock"))?.session).toBeUndefined();
    expect(await kv.acquire("lock", "mine", other)).toBe(false);
    clock.advance(2_001);
    expect(await kv.acquire("lock", "mine", other)).toBe(true);
    expect(await kv.renewSession(holder)).toBe(false);
    expect(await kv.acquire("lock2", "x", holder)).toBe(false);
  });

  it("deletes held keys for behavior delete, and expires unrenewed sessions after 2×TTL", async () => {
    const clock = new StepClock();
    const kv = new FakeKvStore(clock);
    const ephemeral = await session(kv, "delete");
    await kv.acquire("eph", "e", ephemeral);
    kv.expireSession(ephemeral);
    expect(await kv.get("eph")).toBeUndefined();

    const lapsing = await session(kv);
    await kv.acquire("lock", "x", lapsing);
    clock.advance(15_000);
    expect(await kv.renewSession(lapsing)).toBe(true);
    clock.advance(20_001);
    expect((await kv.get("lock"))?.session).toBeUndefined();
    expect(await kv.renewSession(lapsing)).toBe(false);
  });

  it("refuses a TTL Consul would refuse", async () => {
    const kv = new FakeKvStore();
    await expect(kv.createSession({ name: "t", ttl: "5s", behavior: "release" })).rejects.toThrow(/TTL/);
  });
});

describe("FakeKvStore failures and call log", () => {
  it("throws UpstreamUnavailableError while unavailable and records calls", async () => {
    const kv = new FakeKvStore();
    await kv.set("a", "1", { cas: 0 });
    kv.unavailable = true;
    await expect(kv.get("a")).rejects.toBeInstanceOf(UpstreamUnavailableError);
    kv.unavailable = false;
    expect(kv.calls).toEqual(["set a cas=0", "get a"]);
  });
});
