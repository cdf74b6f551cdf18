import { describe, expect, it } from "vitest";
import type { KvTxnOp, KvTxnResult } from "../../../src/kv/kv-store.js";
import { HistoryStore } from "../../../src/state/history-store.js";
import { InterferingKvStore } from "./interfering-kv-store.js";
import { ManualClock } from "./manual-clock.js";

const PREFIX = "tagroll/history/web/";
/** Entry ids sort as they were added: the fake lists keys sorted. */
const id = (i: number) => `t${String(i).padStart(2, "0")}`;
const key = (i: number | string) => `${PREFIX}${typeof i === "number" ? id(i) : i}`;
const keys = (...ids: Array<number | string>) => ids.map(key);

/** The fake answers without timers: once the macrotask queue turns, every trim has run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A fake KV that runs `afterRead` once a history read has taken its snapshot, before it answers. */
class ReadHookKvStore extends InterferingKvStore {
  afterRead: (() => Promise<void>) | undefined;

  override async txn(ops: KvTxnOp[]): Promise<KvTxnResult> {
    const result = await super.txn(ops);
    const hook = this.afterRead;
    if (hook && ops.some((op) => op.verb === "get-tree")) {
      this.afterRead = undefined;
      await hook();
    }
    return result;
  }
}

function setUp(limit: number, kv = new InterferingKvStore()) {
  const errors: unknown[] = [];
  let store = new HistoryStore(kv, { clock: new ManualClock(), limit });
  /** Adds entry `id` in a transaction and counts it with its key and index, as push-write does. */
  const add = async (entryId: string, into = store) => {
    const { op } = into.prepare("web", { id: entryId, kind: "push", tag: entryId });
    const result = await kv.txn([op]);
    if (!result.committed) throw new Error(`txn for ${entryId} rolled back`);
    into.appended(
      "web",
      result.entries.find((e) => e.key === op.key),
      (err) => errors.push(err),
    );
  };
  const addMany = async (from: number, count: number) => {
    for (let i = from; i < from + count; i++) {
      await add(id(i));
      await settle();
    }
  };
  return {
    kv,
    errors,
    add,
    addMany,
    store: () => store,
    restart: () => (store = new HistoryStore(kv, { clock: new ManualClock(), limit })),
    stored: () => kv.keys().filter((k) => k.startsWith(PREFIX)),
    reads: () => kv.calls.filter((c) => c.includes("get-tree")).length,
  };
}

describe("HistoryTrimmer", () => {
  it("reads on the first trim and one in ten after it; the others delete the known surplus unread", async () => {
    const h = setUp(5);
    await h.addMany(0, 5);
    expect(h.reads()).toBe(1);
    for (let trim = 2; trim <= 10; trim++) {
      await h.addMany(5 * (trim - 1), 5);
      expect(h.stored()).toEqual(keys(...[0, 1, 2, 3, 4].map((i) => 5 * (trim - 1) + i)));
    }
    expect(h.reads()).toBe(1);
    await h.addMany(50, 5);
    expect(h.reads()).toBe(2);
    expect(h.stored()).toHaveLength(5);
    expect(h.errors).toEqual([]);
  });

  it("trims by reading when a quick trim's transaction rolls back (an entry edited by hand)", async () => {
    const h = setUp(3);
    await h.addMany(0, 3);
    await h.addMany(3, 2);
    await h.kv.put(key(0), JSON.stringify({ id: "t00", kind: "operator", tag: "by hand" }));
    const before = h.kv.calls.length;
    await h.addMany(5, 1);
    expect(h.kv.calls.slice(before + 1).map((c) => c.split(" ").slice(0, 2).join(" "))).toEqual([
      "txn delete-cas",
      "txn get-tree",
      "txn delete-cas",
    ]);
    expect(h.stored()).toEqual(keys(3, 4, 5));
    expect(h.errors).toEqual([]);
  });

  it("leaves another writer's entries to the next reading trim; readers see the cap meanwhile", async () => {
    const h = setUp(3);
    await h.addMany(0, 3);
    await h.kv.put(key("other-1"), JSON.stringify({ id: "other-1", kind: "operator" }));
    await h.kv.put(key("other-2"), JSON.stringify({ id: "other-2", kind: "operator" }));
    await h.addMany(3, 3 * 9);
    expect(h.reads()).toBe(1);
    expect(h.stored()).toHaveLength(5);
    expect(h.stored()).toContain(key("other-1"));
    expect((await h.store().list("web")).map((e) => e.id)).toEqual(["t27", "t28", "t29"]);
    await h.addMany(30, 3);
    expect(h.stored()).toEqual(keys(30, 31, 32));
  });

  it("after a restart, reads first and so trims what the last process left", async () => {
    const h = setUp(3);
    await h.addMany(0, 3);
    await h.addMany(3, 2);
    expect(h.stored()).toHaveLength(5);
    h.restart();
    await h.addMany(5, 3);
    expect(h.reads()).toBe(2);
    expect(h.stored()).toEqual(keys(5, 6, 7));
    await h.addMany(8, 3);
    expect(h.reads()).toBe(2);
    expect(h.stored()).toEqual(keys(8, 9, 10));
  });

  it("keeps an entry created while a reading trim's read was on its way, and deletes it in its turn", async () => {
    const h = setUp(3, new ReadHookKvStore());
    const kv = h.kv as ReadHookKvStore;
    kv.afterRead = () => h.add("during-read");
    await h.addMany(0, 3);
    expect(h.reads()).toBe(1);
    // Counted: during-read, t3, t4. The quick trim deletes t0..t2, the oldest of six known.
    await h.addMany(3, 2);
    expect(h.reads()).toBe(1);
    expect(h.stored()).toEqual(keys("during-read", 3, 4));
  });

  it("counts an entry once when its transaction's answer comes after a read listed it", async () => {
    const h = setUp(3);
    const { op } = h.store().prepare("web", { id: "late", kind: "push" });
    const late = await h.kv.txn([op]);
    if (!late.committed) throw new Error("rolled back");
    // Listed by this read (an append on the non-batched path trims by reading) before counted.
    await h.store().append("web", { id: id(0), kind: "push" });
    h.store().appended("web", late.entries[0], (err) => h.errors.push(err));
    await h.addMany(1, 2);
    // Counted: late, t1, t2 → quick trim of the oldest beyond 3 of late, t0, t1, t2: only late.
    expect(h.reads()).toBe(1);
    expect(h.stored()).toEqual(keys(0, 1, 2));
    expect(h.errors).toEqual([]);
  });
});
