import { afterEach, describe, expect, it } from "vitest";
import type { ServiceConfig } from "../../../src/config/types.js";
import { ApprovalActions } from "../../../src/gates/approval-actions.js";
import { parseGateRecord } from "../../../src/gates/gate-record.js";
import { HistoryStore } from "../../../src/state/history-store.js";
import { gateKey } from "../../../src/state/kv-layout.js";
import type { DigestSync } from "../../../src/supply-chain/digest-sync.js";
import { Harness, serviceConfig, withWebJob } from "./fakes/harness.js";

const KEY = "configs/web/IMAGE_TAG";
const DIGEST_KEY = "configs/web/IMAGE_DIGEST";
const digest = (name: string) => `sha256:${name.padEnd(64, "0")}`;

/** A service that pins digests (README, "Supply chain") and asks for one approval. */
const service: ServiceConfig = {
  ...serviceConfig("web"),
  approvals: { required: 1 },
  supplyChain: { digestKey: DIGEST_KEY, publicKeys: [] },
};

/** The leader's digest check, as digest-sync.ts answers for a digest written with its tag. */
const pinDigest =
  (h: Harness): DigestSync =>
  async () => {
    const pinned = h.peek(DIGEST_KEY);
    return pinned === undefined ? {} : { digest: pinned };
  };

/** A webhook's write: tag and digest in one transaction, as src/ingress/push-write.ts makes it. */
async function push(h: Harness, tag: string, pinned: string): Promise<void> {
  const result = await h.kv.txn([
    { verb: "set", key: KEY, value: tag },
    { verb: "set", key: DIGEST_KEY, value: pinned },
  ]);
  expect(result.committed).toBe(true);
}

const gate = (h: Harness) => parseGateRecord("web", h.peek(gateKey("web")));
const approve = (h: Harness, value: string) =>
  new ApprovalActions({
    services: [service],
    kv: h.kv,
    history: new HistoryStore(h.kv, { clock: h.clock }),
    clock: h.clock,
  }).approve("web", "alice", value);

async function running(h: Harness): Promise<void> {
  await withWebJob(h);
  await push(h, "v1", digest("one"));
  h.coordinator([service], { pinDigest: pinDigest(h) });
  const adopted = await h.finished("web", "v1");
  expect(adopted.digest).toBe(digest("one"));
}

/**
 * A value held by its gate is parked (README, "Approvals, deploy windows and promotion"): the
 * running tag goes back into the key so allocations Nomad restarts meanwhile render what runs.
 * With digests pinned, the digest must go back with it, or `repo@${IMAGE_DIGEST}` would pull the
 * held image; the release puts the held value's own digest back beside it.
 */
describe("a gated service that pins digests (fake agents, virtual time)", () => {
  let h: Harness;
  afterEach(async () => {
    await h.stopAll();
  });

  it("parks the running tag with the running digest, and releases the held tag with its own", async () => {
    h = new Harness();
    await running(h);
    await push(h, "v2", digest("two"));
    await h.clock.until(() => gate(h).waiting?.value === "v2" && h.peek(KEY) === "v1");
    expect(h.peek(DIGEST_KEY)).toBe(digest("one"));
    expect(gate(h).waiting?.digest).toBe(digest("two"));
    await h.clock.sleep(60_000);
    expect(h.nomad.restarts).toEqual([]);

    await approve(h, "v2");
    const record = await h.finished("web", "v2");
    expect(record).toMatchObject({
      status: "succeeded",
      digest: digest("two"),
      previousDigest: digest("one"),
    });
    expect(h.peek(KEY)).toBe("v2");
    expect(h.peek(DIGEST_KEY)).toBe(digest("two"));
    expect(h.restartsFor("v2")).toHaveLength(3);
  });

  it("keeps the newest digest of a held tag pushed again while it waits", async () => {
    h = new Harness();
    await running(h);
    await push(h, "v2", digest("two"));
    await h.clock.until(() => gate(h).waiting?.value === "v2" && h.peek(KEY) === "v1");
    await push(h, "v2", digest("two-again"));
    await h.clock.until(() => gate(h).waiting?.digest === digest("two-again") && h.peek(KEY) === "v1");
    expect(h.peek(DIGEST_KEY)).toBe(digest("one"));

    await approve(h, "v2");
    const record = await h.finished("web", "v2");
    expect(record.digest).toBe(digest("two-again"));
    expect(h.peek(DIGEST_KEY)).toBe(digest("two-again"));
  });

  it("a digest written by hand after the held tag is not kept; the release leaves it to the rollout's check", async () => {
    h = new Harness();
    await running(h);
    await h.put(KEY, "v2"); // `consul kv put`: no digest in the tag's transaction
    await h.put(DIGEST_KEY, digest("by-hand"));
    await h.clock.until(() => gate(h).waiting?.value === "v2" && h.peek(KEY) === "v1");
    expect(gate(h).waiting?.digest).toBeUndefined();
    expect(h.peek(DIGEST_KEY)).toBe(digest("one"));
  });
});
