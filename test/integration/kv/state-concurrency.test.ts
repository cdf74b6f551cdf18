import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConsulKvStore } from "../../../src/kv/consul-kv-store.js";
import { writeDesiredTag, type DesiredTagWrite } from "../../../src/state/desired-tag-writer.js";
import { HistoryStore } from "../../../src/state/history-store.js";
import { DeliveryStore } from "../../../src/state/delivery-store.js";
import { consulAddr, kvDeleteTree, sleep } from "../../helpers/cluster.js";

/**
 * The state stores under real contention on the real Consul agent: many writers on one key, each
 * through its own client (as separate tagroll replicas or webhook requests would be).
 */
describe("state stores under concurrency on Consul", () => {
  const root = `it-state-${randomUUID().slice(0, 8)}`;
  const clients: ConsulKvStore[] = [];
  const client = (i: number) => clients[i % clients.length] as ConsulKvStore;

  beforeAll(() => {
    for (let i = 0; i < 5; i++) clients.push(new ConsulKvStore({ address: consulAddr() }));
  });

  afterAll(async () => {
    await kvDeleteTree(`${root}/`);
    for (const c of clients) c.close();
  });

  it("50 concurrent desired-tag writes with 'newest numeric wins' end on the maximum, losing no update", async () => {
    const key = `${root}/configs/web/IMAGE_TAG`;
    // A shuffled set of distinct build numbers, so arrival order says nothing about size.
    const tags = Array.from({ length: 50 }, (_, i) => String(1000 + ((i * 37) % 50)));
    const results = await Promise.all(
      tags.map((tag, i) =>
        writeDesiredTag(
          client(i),
          key,
          (current) =>
            current === undefined || Number(tag) > Number(current)
              ? { write: tag }
              : { skip: `current ${current} is newer` },
          { maxAttempts: 40 },
        ),
      ),
    );

    expect((await clients[0]?.get(key))?.value).toBe("1049");
    // Every write was a CAS on the state the previous write produced: sorted by value, the writes
    // form one unbroken chain from "missing" to the maximum. A lost update would break the chain.
    const written = results
      .filter((r): r is Extract<DesiredTagWrite, { outcome: "written" }> => r.outcome === "written")
      .sort((a, b) => Number(a.value) - Number(b.value));
    expect(written[0]?.previous).toBeUndefined();
    for (let i = 1; i < written.length; i++) expect(written[i]?.previous).toBe(written[i - 1]?.value);
    expect(written.at(-1)?.value).toBe("1049");
    // And whoever skipped saw a value at least as new as its own.
    for (const [i, r] of results.entries()) {
      if (r.outcome === "skipped") expect(Number(r.current)).toBeGreaterThan(Number(tags[i]));
    }
  });

  it("50 concurrent history appends store exactly 50 distinct entries", async () => {
    const stores = clients.map((c) => new HistoryStore(c, { root, limit: 100 }));
    const ids = Array.from({ length: 50 }, () => randomUUID());
    await Promise.all(
      ids.map((id, i) =>
        stores[i % stores.length]?.append("web", { id, kind: "push", tag: `t${i}`, source: "ci" }),
      ),
    );
    const listed = await new HistoryStore(client(0), { root }).list("web");
    expect(listed).toHaveLength(50);
    expect(new Set(listed.map((e) => e.id))).toEqual(new Set(ids));
  });

  it("lets exactly one of 20 simultaneous identical deliveries through", async () => {
    const stores = clients.map((c) => new DeliveryStore(c, { root }));
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        stores[i % stores.length]?.markSeen("web", "dockerhub", "callback-42"),
      ),
    );
    expect(results.filter((r) => r === true)).toHaveLength(1);
    await sleep(5);
    expect(await stores[0]?.expire(1)).toBe(1);
    expect(await stores[0]?.markSeen("web", "dockerhub", "callback-42")).toBe(true);
  });
});
