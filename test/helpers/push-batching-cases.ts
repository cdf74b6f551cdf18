import { expect, it, vi } from "vitest";
import type { Clock } from "../../src/core/clock.js";
import { AuthError, ConflictError } from "../../src/core/errors.js";
import { createLogger } from "../../src/core/logger.js";
import { IngestState } from "../../src/ingress/ingest-state.js";
import { PushWriter, type PushWrite, type PushWriteRequest } from "../../src/ingress/push-write.js";
import type { KvStore, KvTxnOp } from "../../src/kv/kv-store.js";
import { evaluateTag } from "../../src/policy/index.js";
import { DeliveryStore } from "../../src/state/delivery-store.js";
import { HistoryStore } from "../../src/state/history-store.js";
import { tokenKey } from "../../src/state/kv-layout.js";

/**
 * Webhooks that arrive together share one transaction (src/ingress/batching/assemble.ts): each
 * keeps its own decision and dedupe check (webhooks with one token share its revocation check), and a
 * rollback retries only the webhooks
 * whose own ops failed. Run against FakeKvStore (test/unit/ingress/push-batching.test.ts) and
 * against the real Consul agent (test/integration/ingress/push-batching.test.ts).
 */
export interface BatchingWorld {
  kv: KvStore;
  clock: Clock;
  /** A folder of its own for this run's keys (`<root>/configs/...`, `<root>/tagroll/...`). */
  root: string;
  /** A token id nobody else uses (revocations live at the fixed tagroll/revoked/<jti>). */
  jti: () => string;
}

export function pushBatchingCases(world: () => BatchingWorld): void {
  function setup(maxAttempts?: number, historyLimit?: number) {
    const { kv: store, clock, root, jti } = world();
    const gets: string[] = [];
    const historyReads: KvTxnOp[][] = [];
    // Records reads, so a test can tell which webhooks were read afresh and how often the history was.
    const kv = new Proxy(store, {
      get: (target, name, receiver) =>
        name === "get"
          ? (key: string) => (gets.push(key), target.get(key))
          : name === "txn"
            ? (ops: KvTxnOp[]) => {
                if (ops.some((op) => op.verb === "get-tree")) historyReads.push(ops);
                return target.txn(ops);
              }
            : (Reflect.get(target, name, receiver) as unknown),
    });
    const log = createLogger({ level: "silent" });
    // Not started: values come from reads and from this writer's own transactions.
    const state = new IngestState({ kv, services: [], clock, logger: log });
    const history = new HistoryStore(kv, {
      clock,
      root: `${root}/tagroll`,
      ...(historyLimit !== undefined && { limit: historyLimit }),
    });
    const batches: Array<{ webhooks: number; committed: boolean }> = [];
    const ops: number[] = [];
    const writer = new PushWriter({
      kv,
      state,
      history,
      deliveries: new DeliveryStore(kv, { clock, root: `${root}/tagroll` }),
      clock,
      log,
      ...(maxAttempts !== undefined && { maxAttempts }),
      onBatch: (b) => {
        batches.push({ webhooks: b.webhooks, committed: b.committed });
        ops.push(b.ops);
      },
    });
    const good = jti();
    const push = (service: string, tag: string, extra: Partial<PushWriteRequest> = {}) =>
      writer.write({
        service,
        key: key(service),
        jti: good,
        decide: (current) => {
          if (current === tag) return { skip: "already the desired value" };
          const verdict = evaluateTag(
            { order: "numeric", allowDowngrade: false, allowLatest: false },
            tag,
            current,
          );
          return verdict.accept ? { write: tag } : { skip: verdict.reason };
        },
        entry: (value, previous) => ({
          kind: "push",
          tag: value,
          source: "generic",
          ...(previous && { previous }),
        }),
        ...extra,
      });
    const key = (service: string) => `${root}/configs/${service}/IMAGE_TAG`;
    const value = async (service: string) => (await store.get(key(service)))?.value;
    const historyKeys = async (service: string) =>
      (await store.list(`${root}/tagroll/history/${service}/`)).entries.map((e) => e.key);
    return { kv: store, history, historyReads, historyKeys, batches, ops, push, gets, key, value, jti };
  }

  it("each written webhook's history entry is counted with the key and index it was created at, so trims after the first read nothing", async () => {
    const { history, historyReads, historyKeys, push } = setup(undefined, 2);
    for (const tag of ["1", "2", "3", "4", "5", "6"]) expect((await push("a", tag)).outcome).toBe("written");
    // Three trims in the background: the first reads the history, the two after it delete unread.
    await vi.waitFor(async () => expect(await historyKeys("a")).toHaveLength(2));
    expect(historyReads).toHaveLength(1);
    expect((await history.list("a")).map((e) => e.tag)).toEqual(["5", "6"]);
  });

  it("conflicting webhooks for one key in one batch end on the newest, each write chained on the last", async () => {
    const { history, batches, push, value } = setup();
    await push("a", "1");
    const tags = ["5", "3", "9", "7", "12", "2"];
    const results = await Promise.all(tags.map((tag) => push("a", tag)));

    expect(batches.slice(1)).toEqual([{ webhooks: 6, committed: true }]);
    expect(await value("a")).toBe("12");
    // In arrival order, each decided on what the one before it left: 5 > 1, 3 < 5, 9 > 5, 7 < 9, 12 > 9, 2 < 12.
    expect(results.map((r) => r.outcome)).toEqual([
      "written",
      "skipped",
      "written",
      "skipped",
      "written",
      "skipped",
    ]);
    const entries = await history.list("a");
    expect(entries.map((e) => `${e.previous ?? "-"}→${e.tag}`).sort()).toEqual(["-→1", "1→5", "5→9", "9→12"]);
  });

  it("a rolled-back transaction re-reads and redecides only the webhook whose key moved", async () => {
    const { kv, batches, push, gets, key } = setup();
    await Promise.all([push("a", "1"), push("b", "1")]);
    // Another writer moves A behind this writer's back: its known index is now stale.
    await kv.set(key("a"), "50");
    const from = gets.length;
    const [a, b] = await Promise.all([push("a", "60"), push("b", "2")]);

    expect(batches.slice(-3)).toEqual([
      { webhooks: 2, committed: false },
      { webhooks: 1, committed: true },
      { webhooks: 1, committed: true },
    ]);
    expect(gets.slice(from)).toEqual([key("a")]);
    expect(a).toEqual({ outcome: "written", previous: "50", value: "60" });
    expect(b).toEqual({ outcome: "written", previous: "1", value: "2" });
  });

  it("a webhook that was not at fault loses no round: with one attempt allowed it still commits", async () => {
    const { kv, push, key, value } = setup(1);
    await Promise.all([push("a", "1"), push("b", "1")]);
    await kv.set(key("a"), "50");
    const [a, b] = await Promise.allSettled([push("a", "60"), push("b", "2")]);
    expect(a.status === "rejected" && a.reason).toBeInstanceOf(ConflictError);
    expect(b).toEqual({ status: "fulfilled", value: { outcome: "written", previous: "1", value: "2" } });
    expect(await value("a")).toBe("50");
  });

  it("a revoked token in a batch is refused and its decision leaves no trace in the others'", async () => {
    const { kv, history, push, value, jti } = setup();
    await push("a", "1");
    const revoked = jti();
    await kv.set(tokenKey("revoked", revoked), "{}");
    try {
      // The revoked push comes first in the chain: the good one decides against its 9 and
      // skips, then, after the rollback, decides again against 1 and writes.
      const [bad, good] = await Promise.allSettled([push("a", "9", { jti: revoked }), push("a", "4")]);
      expect(bad.status === "rejected" && bad.reason).toBeInstanceOf(AuthError);
      expect(good).toEqual({ status: "fulfilled", value: { outcome: "written", previous: "1", value: "4" } });
      expect(await value("a")).toBe("4");
      expect((await history.list("a")).map((e) => e.tag).sort()).toEqual(["1", "4"]);
    } finally {
      await kv.delete(tokenKey("revoked", revoked));
    }
  });

  it("webhooks with one token in a batch share one revocation check; revoked, it refuses them all", async () => {
    const { kv, batches, ops, push, value, jti } = setup();
    // Known keys, so the next three are decided without a read and go in one transaction.
    await Promise.all([push("a", "1"), push("b", "1"), push("c", "1")]);
    const other = jti();
    // a and b with the shared token, c with another: two checks, then a cas and a history entry each.
    await Promise.all([push("a", "2"), push("b", "2"), push("c", "2", { jti: other })]);
    expect(batches.at(-1)).toEqual({ webhooks: 3, committed: true });
    expect(ops.at(-1)).toBe(2 + 3 * 2);

    await kv.set(tokenKey("revoked", other), "{}");
    try {
      const results = await Promise.allSettled([
        push("a", "3", { jti: other }),
        push("b", "3", { jti: other }),
        push("c", "3"),
      ]);
      expect(results.map((r) => (r.status === "rejected" ? r.reason : r.value))).toEqual([
        expect.any(AuthError),
        expect.any(AuthError),
        { outcome: "written", previous: "2", value: "3" },
      ]);
      expect([await value("a"), await value("b"), await value("c")]).toEqual(["2", "2", "3"]);
    } finally {
      await kv.delete(tokenKey("revoked", other));
    }
  });

  it("the same delivery twice in one burst is written once; the second is answered as seen", async () => {
    const { push, value } = setup();
    const delivery = { source: "distribution", id: "event-1" };
    const results: PushWrite[] = await Promise.all([
      push("a", "3", { delivery }),
      push("a", "3", { delivery }),
    ]);
    // Both wait for a first read of the key; either may finish it first.
    expect(results.map((r) => r.outcome).sort()).toEqual(["seen", "written"]);
    expect(await value("a")).toBe("3");
  });
}
