import { randomUUID } from "node:crypto";
import { afterAll, describe } from "vitest";
import { systemClock } from "../../../src/core/clock.js";
import { ConsulKvStore } from "../../../src/kv/consul-kv-store.js";
import { consulAddr, kvDeleteTree } from "../../helpers/cluster.js";
import { pushBatchingCases } from "../../helpers/push-batching-cases.js";

/** The batching cases on the real Consul agent: its /v1/txn decides what commits and what fails. */
describe("push batching on Consul", () => {
  const root = `it-batch-${randomUUID().slice(0, 8)}`;
  const kv = new ConsulKvStore({ address: consulAddr() });
  let n = 0;

  afterAll(async () => {
    await kvDeleteTree(`${root}/`);
    kv.close();
  });

  pushBatchingCases(() => ({
    kv,
    clock: systemClock,
    root: `${root}/${n}`,
    jti: () => `b${root.slice(-8)}${String(n++).padStart(13, "A")}`,
  }));
});
