import { describe, expect, it } from "vitest";
import { AuthError, ConflictError, UpstreamUnavailableError } from "../../../src/core/errors.js";
import { createLogger } from "../../../src/core/logger.js";
import { IngestState } from "../../../src/ingress/ingest-state.js";
import { PushWriter, type PushWrite, type PushWriteRequest } from "../../../src/ingress/push-write.js";
import { evaluateTag } from "../../../src/policy/index.js";
import { DeliveryStore } from "../../../src/state/delivery-store.js";
import { HistoryStore } from "../../../src/state/history-store.js";
import { tokenKey } from "../../../src/state/kv-layout.js";
import type { TagPolicy } from "../../../src/config/types.js";
import { FakeKvStore } from "../../helpers/fake-kv-store.js";
import { ManualClock } from "../state/manual-clock.js";

/**
 * Webhooks that arrive together share one transaction (src/ingress/batching/assemble.ts): each
 * keeps its own decision, revocation and dedupe check, and a rollback retries only the webhooks
 * whose own ops failed. FakeKvStore's txn is all-or-nothing and lists every failed op, as Consul's.
 */

const numeric: TagPolicy = { order: "numeric", allowDowngrade: false, allowLatest: false };
const KEY_A = "configs/a/IMAGE_TAG";
const KEY_B = "configs/b/IMAGE_TAG";
const JTI = "goodjtiAAAAAAAAAAAAAAA";
const REVOKED_JTI = "badjtiAAAAAAAAAAAAAAAA";

function setup(maxAttempts?: number) {
  const clock = new ManualClock();
  const kv = new FakeKvStore(clock);
  const log = createLogger({ level: "silent" });
  // Not started: values come from reads and from this writer's own transactions.
  const state = new IngestState({ kv, services: [], clock, logger: log });
  const history = new HistoryStore(kv, { clock });
  const batches: Array<{ webhooks: number; committed: boolean }> = [];
  const writer = new PushWriter({
    kv,
    state,
    history,
    deliveries: new DeliveryStore(kv, { clock }),
    clock,
    log,
    ...(maxAttempts !== undefined && { maxAttempts }),
    onBatch: (b) => batches.push({ webhooks: b.webhooks, committed: b.committed }),
  });
  const push = (service: string, key: string, tag: string, extra: Partial<PushWriteRequest> = {}) =>
    writer.write({
      service,
      key,
      jti: JTI,
      decide: (current) => {
        if (current === tag) return { skip: "already the desired value" };
        const verdict = evaluateTag(numeric, tag, current);
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
  return { kv, history, batches, push };
}

const txns = (kv: FakeKvStore) => kv.calls.filter((c) => c.startsWith("txn "));
const value = async (kv: FakeKvStore, key: string) => (await kv.get(key))?.value;

describe("push batching", () => {
  it("conflicting webhooks for one key in one batch end on the newest, each write chained on the last", async () => {
    const { kv, history, batches, push } = setup();
    await push("a", KEY_A, "1");
    const before = txns(kv).length;
    const tags = ["5", "3", "9", "7", "12", "2"];
    const results = await Promise.all(tags.map((tag) => push("a", KEY_A, tag)));

    expect(batches.at(-1)).toEqual({ webhooks: 6, committed: true });
    expect(txns(kv)).toHaveLength(before + 1);
    expect(await value(kv, KEY_A)).toBe("12");
    // In arrival order, each decided on what the one before it left: 5 > 1, 3 < 5, 9 > 5, 7 < 9, 12 > 9, 2 < 12.
    expect(results.map((r) => r.outcome)).toEqual([
      "written",
      "skipped",
      "written",
      "skipped",
      "written",
      "skipped",
    ]);
    expect(results.filter((r) => r.outcome === "written").map((r) => r.previous)).toEqual(["1", "5", "9"]);
    const entries = await history.list("a");
    expect(entries.map((e) => `${e.previous ?? "-"}→${e.tag}`).sort()).toEqual(["-→1", "1→5", "5→9", "9→12"]);
  });

  it("a rolled-back transaction re-reads and redecides only the webhook whose key moved", async () => {
    const { kv, batches, push } = setup();
    await Promise.all([push("a", KEY_A, "1"), push("b", KEY_B, "1")]);
    // Another writer moves A behind this process's back: its known index is now stale.
    await kv.set(KEY_A, "50");
    const from = kv.calls.length;
    const [a, b] = await Promise.all([push("a", KEY_A, "60"), push("b", KEY_B, "2")]);

    expect(batches.slice(-3)).toEqual([
      { webhooks: 2, committed: false },
      { webhooks: 1, committed: true },
      { webhooks: 1, committed: true },
    ]);
    const after = kv.calls.slice(from);
    expect(after.filter((c) => c.startsWith("get "))).toEqual([`get ${KEY_A}`]);
    expect(a).toEqual({ outcome: "written", previous: "50", value: "60" });
    expect(b).toEqual({ outcome: "written", previous: "1", value: "2" });
  });

  it("a webhook that was not at fault loses no round: with one attempt allowed it still commits", async () => {
    const { kv, push } = setup(1);
    await Promise.all([push("a", KEY_A, "1"), push("b", KEY_B, "1")]);
    await kv.set(KEY_A, "50");
    const [a, b] = await Promise.allSettled([push("a", KEY_A, "60"), push("b", KEY_B, "2")]);
    expect(a.status === "rejected" && a.reason).toBeInstanceOf(ConflictError);
    expect(b).toEqual({ status: "fulfilled", value: { outcome: "written", previous: "1", value: "2" } });
    expect(await value(kv, KEY_A)).toBe("50");
  });

  it("a revoked token in a batch is refused and its decision leaves no trace in the others'", async () => {
    const { kv, history, push } = setup();
    await push("a", KEY_A, "1");
    await kv.set(tokenKey("revoked", REVOKED_JTI), "{}");
    // The revoked push comes first in the chain: the good one decides against its 9 and skips,
    // then, after the rollback, decides again against 1 and writes.
    const [revoked, good] = await Promise.allSettled([
      push("a", KEY_A, "9", { jti: REVOKED_JTI }),
      push("a", KEY_A, "4"),
    ]);
    expect(revoked.status === "rejected" && revoked.reason).toBeInstanceOf(AuthError);
    expect(good).toEqual({ status: "fulfilled", value: { outcome: "written", previous: "1", value: "4" } });
    expect(await value(kv, KEY_A)).toBe("4");
    expect((await history.list("a")).map((e) => e.tag).sort()).toEqual(["1", "4"]);
  });

  it("the same delivery twice in one burst is written once; the second is answered as seen", async () => {
    const { kv, push } = setup();
    const delivery = { source: "distribution", id: "event-1" };
    const results: PushWrite[] = await Promise.all([
      push("a", KEY_A, "3", { delivery }),
      push("a", KEY_A, "3", { delivery }),
    ]);
    expect(results.map((r) => r.outcome)).toEqual(["written", "seen"]);
    expect(await value(kv, KEY_A)).toBe("3");
  });

  it("Consul failing the transaction fails every webhook in it, writing nothing", async () => {
    const { kv, batches, push } = setup();
    await push("a", KEY_A, "1");
    kv.unavailable = true;
    const settled = await Promise.allSettled([push("a", KEY_A, "2"), push("a", KEY_A, "3")]);
    expect(settled.map((s) => s.status === "rejected" && s.reason)).toEqual([
      expect.any(UpstreamUnavailableError),
      expect.any(UpstreamUnavailableError),
    ]);
    expect(txns(kv).at(-1)).toMatch(/cas configs\/a\/IMAGE_TAG.*set configs\/a\/IMAGE_TAG/);
    kv.unavailable = false;
    expect(await value(kv, KEY_A)).toBe("1");
    expect(batches).toHaveLength(1);
  });
});
