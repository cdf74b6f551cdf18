import { describe, expect, it } from "vitest";
import { UpstreamUnavailableError } from "../../../src/core/errors.js";
import { createLogger } from "../../../src/core/logger.js";
import { IngestState } from "../../../src/ingress/ingest-state.js";
import { PushWriter } from "../../../src/ingress/push-write.js";
import { DeliveryStore } from "../../../src/state/delivery-store.js";
import { HistoryStore } from "../../../src/state/history-store.js";
import { FakeKvStore } from "../../helpers/fake-kv-store.js";
import { pushBatchingCases } from "../../helpers/push-batching-cases.js";
import { ManualClock } from "../state/manual-clock.js";

/** FakeKvStore's txn is all-or-nothing and lists every failed op, as Consul's does. */
describe("push batching (fake KV)", () => {
  let n = 0;
  pushBatchingCases(() => {
    const clock = new ManualClock();
    return { kv: new FakeKvStore(clock), clock, root: "t", jti: () => `jti${String(n++).padStart(19, "A")}` };
  });

  it("Consul failing the transaction fails every webhook in it, writing nothing", async () => {
    const clock = new ManualClock();
    const kv = new FakeKvStore(clock);
    const log = createLogger({ level: "silent" });
    const batches: number[] = [];
    const writer = new PushWriter({
      kv,
      state: new IngestState({ kv, services: [], clock, logger: log }),
      history: new HistoryStore(kv, { clock }),
      deliveries: new DeliveryStore(kv, { clock }),
      clock,
      log,
      onBatch: (b) => batches.push(b.webhooks),
    });
    const push = (tag: string) =>
      writer.write({
        service: "a",
        key: "configs/a/IMAGE_TAG",
        jti: "jtiAAAAAAAAAAAAAAAAAAA",
        decide: () => ({ write: tag }),
        entry: (value) => ({ kind: "push", tag: value }),
      });
    await push("1");
    kv.unavailable = true;
    const settled = await Promise.allSettled([push("2"), push("3")]);
    expect(settled.map((s) => s.status === "rejected" && s.reason)).toEqual([
      expect.any(UpstreamUnavailableError),
      expect.any(UpstreamUnavailableError),
    ]);
    expect(kv.calls.at(-1)).toMatch(/^txn .*cas configs\/a\/IMAGE_TAG.*set configs\/a\/IMAGE_TAG/);
    kv.unavailable = false;
    expect((await kv.get("configs/a/IMAGE_TAG"))?.value).toBe("1");
    expect(batches).toEqual([1]);
  });
});
