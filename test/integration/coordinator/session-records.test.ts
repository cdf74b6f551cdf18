import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SessionRolloutRecords } from "../../../src/coordinator/leader/index.js";
import type { RolloutRecord } from "../../../src/coordinator/model/index.js";
import { systemClock } from "../../../src/core/clock.js";
import { ConsulKvStore } from "../../../src/kv/consul-kv-store.js";
import type { KvTxnOp, KvTxnResult } from "../../../src/kv/kv-store.js";
import { rolloutKey } from "../../../src/state/kv-layout.js";
import { consulAddr, kvPut } from "../../helpers/cluster.js";

/** Counts what reaches Consul, so a test can tell a batch of saves from one request per save. */
class CountingKv extends ConsulKvStore {
  readonly txns: KvTxnOp[][] = [];
  acquires = 0;
  lists = 0;

  override txn(ops: KvTxnOp[]): Promise<KvTxnResult> {
    this.txns.push(ops);
    return super.txn(ops);
  }

  override acquire(key: string, value: string, session: string): Promise<boolean> {
    this.acquires++;
    return super.acquire(key, value, session);
  }

  override list(prefix: string) {
    this.lists++;
    return super.list(prefix);
  }
}

function adopted(service: string, value = "v1"): RolloutRecord {
  const now = Date.now();
  return {
    version: 1,
    id: randomUUID(),
    service,
    key: `configs/${service}/IMAGE_TAG`,
    kind: "adopted",
    value,
    status: "succeeded",
    superseded: [],
    allocs: [],
    startedAt: now,
    updatedAt: now,
    finishedAt: now,
  };
}

/**
 * The leader's records against the real Consul agent: many saves at once share `/v1/txn`
 * transactions of `lock` ops (src/coordinator/leader/record-batches.ts), a key another session
 * holds fails only its own save, loads come from the term's one read, and `releaseAll` unlocks.
 */
describe("SessionRolloutRecords on Consul", () => {
  const tag = `it-rec-${randomUUID().slice(0, 8)}`;
  const names = Array.from({ length: 150 }, (_, i) => `${tag}-${i}`);
  let kv: CountingKv;
  let plain: ConsulKvStore;
  let session: string;
  let rival: string;

  beforeAll(async () => {
    kv = new CountingKv({ address: consulAddr() });
    plain = new ConsulKvStore({ address: consulAddr() });
    session = await plain.createSession({
      name: `${tag}-leader`,
      ttl: "30s",
      behavior: "release",
      lockDelay: "0s",
    });
    rival = await plain.createSession({
      name: `${tag}-rival`,
      ttl: "30s",
      behavior: "release",
      lockDelay: "0s",
    });
  });

  afterAll(async () => {
    for (const name of names) await plain.delete(rolloutKey(name)).catch(() => false);
    await plain.destroySession(session).catch(() => undefined);
    await plain.destroySession(rival).catch(() => undefined);
    kv.close();
    plain.close();
  });

  it("writes 150 first records in a few transactions, fails only the one another session holds, then unlocks", async () => {
    const taken = names[70] as string;
    expect(await plain.acquire(rolloutKey(taken), JSON.stringify(adopted(taken, "theirs")), rival)).toBe(
      true,
    );
    const records = new SessionRolloutRecords(kv, session, systemClock);

    const results = await Promise.allSettled(names.map((name) => records.save(adopted(name))));

    const failed = results.flatMap((r, i) => (r.status === "rejected" ? [names[i]] : []));
    expect(failed).toEqual([taken]);
    expect((results[70] as PromiseRejectedResult).reason).toMatchObject({ name: "LeadershipLostError" });
    // 150 locks in transactions of at most 64; the one holding the rival's key was rolled back
    // and its 64 locks tried one by one.
    expect(kv.txns.every((ops) => ops.length <= 64 && ops.every((op) => op.verb === "lock"))).toBe(true);
    expect(kv.txns.flat().length).toBeGreaterThanOrEqual(140);
    expect(kv.txns.length).toBeLessThanOrEqual(5);
    expect(kv.acquires).toBeLessThanOrEqual(70);
    for (const name of names.filter((n) => n !== taken)) {
      const entry = await plain.get(rolloutKey(name));
      expect(entry?.session).toBe(session);
      expect(JSON.parse(entry?.value ?? "{}")).toMatchObject({ service: name, value: "v1" });
    }
    expect(JSON.parse((await plain.get(rolloutKey(taken)))?.value ?? "{}")).toMatchObject({
      value: "theirs",
    });

    // Loads come from the term's single read plus what it wrote: no further request.
    const listsBefore = kv.lists;
    expect((await records.load(names[3] as string))?.value).toBe("v1");
    expect(kv.lists).toBe(listsBefore);

    await records.releaseAll();
    for (const name of names.filter((n) => n !== taken)) {
      const entry = await plain.get(rolloutKey(name));
      expect(entry?.session).toBeUndefined();
      expect(JSON.parse(entry?.value ?? "{}")).toMatchObject({ service: name, value: "v1" });
    }
    expect((await plain.get(rolloutKey(taken)))?.session).toBe(rival);
  });

  it("refresh sees a record changed behind the term's back", async () => {
    const records = new SessionRolloutRecords(kv, session, systemClock);
    const name = names[5] as string;
    await records.save(adopted(name, "v1"));
    await plain.release(rolloutKey(name), session);
    await kvPut(rolloutKey(name), JSON.stringify(adopted(name, "by-hand")));
    expect((await records.load(name))?.value).toBe("v1");
    await records.refresh();
    expect((await records.load(name))?.value).toBe("by-hand");
  });
});
