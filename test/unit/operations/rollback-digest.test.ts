import { describe, expect, it } from "vitest";
import { Operations, previousRun } from "../../../src/operations/operations.js";
import { HistoryStore, type HistoryEntry } from "../../../src/state/history-store.js";
import { FakeKvStore } from "../../helpers/fake-kv-store.js";
import { serviceConfig, silentLogger, tagrollConfig } from "../coordinator/fakes/harness.js";

const KEY = "configs/web/IMAGE_TAG";
const DIGEST_KEY = "configs/web/IMAGE_DIGEST";
const D1 = `sha256:${"1".repeat(64)}`;
const D2 = `sha256:${"2".repeat(64)}`;

const entry = (fields: Partial<HistoryEntry>): HistoryEntry => ({
  id: "x",
  at: "2026-01-01T00:00:00Z",
  kind: "rollout",
  ...fields,
});

/** README, "Supply chain": a rollback writes the digest its value ran with, from history. */
describe("rollback of a pinned service", () => {
  it("finds the digest the previous value ran with in the same history entry", () => {
    const history = [
      entry({ tag: "v1", digest: D1, outcome: "succeeded" }),
      entry({ tag: "v2", previous: "v1", digest: D2, previousDigest: D1, outcome: "succeeded" }),
    ];
    expect(previousRun(history, "v2")).toEqual({ value: "v1", digest: D1 });
    expect(previousRun([entry({ tag: "v2", previous: "v1", outcome: "succeeded" })], "v2")).toEqual({
      value: "v1",
    });
  });

  it("writes the previous tag and its digest in one transaction", async () => {
    const kv = new FakeKvStore();
    const service = { ...serviceConfig("web"), supplyChain: { digestKey: DIGEST_KEY, publicKeys: [] } };
    const ops = new Operations({
      config: tagrollConfig([service]),
      kv,
      nomad: undefined as never,
      logger: silentLogger,
    });
    await kv.set(KEY, "v2");
    await kv.set(DIGEST_KEY, D2);
    await new HistoryStore(kv).append("web", {
      kind: "rollout",
      tag: "v2",
      previous: "v1",
      digest: D2,
      previousDigest: D1,
      outcome: "succeeded",
    });
    kv.calls.length = 0;
    const result = await ops.rollback("web");
    expect(result).toMatchObject({ value: "v1", previous: "v2", changed: true });
    expect((await kv.get(KEY))?.value).toBe("v1");
    expect((await kv.get(DIGEST_KEY))?.value).toBe(D1);
    expect(kv.calls.filter((c) => c.startsWith("txn"))).toContainEqual(`txn cas ${KEY}, cas ${DIGEST_KEY}`);
    expect((await new HistoryStore(kv).list("web")).at(-1)).toMatchObject({
      kind: "rollback",
      tag: "v1",
      digest: D1,
    });
  });
});
