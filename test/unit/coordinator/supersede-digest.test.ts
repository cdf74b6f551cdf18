import { afterEach, describe, expect, it } from "vitest";
import { RegistryUnavailableError } from "../../../src/registry/registry-errors.js";
import type { DigestSync } from "../../../src/supply-chain/digest-sync.js";
import { Harness, serviceConfig, withWebJob } from "./fakes/harness.js";

const KEY = "configs/web/IMAGE_TAG";
const digestOf = (tag: string) => `sha256:${tag.padEnd(64, "0")}`;

/** A service that pins digests (README, "Supply chain"), on the fake cluster. */
function pinned() {
  return { ...serviceConfig("web"), supplyChain: { digestKey: "configs/web/IMAGE_DIGEST", publicKeys: [] } };
}

/**
 * The leader's digest check (src/supply-chain/digest-sync.ts) as the engine sees it: which tag it
 * was asked about, and how many restarts had been sent by then. `answer` decides per call.
 */
function sync(h: Harness, answer: (tag: string, call: number) => Awaited<ReturnType<DigestSync>>) {
  const calls: Array<{ tag: string; restartsBefore: number }> = [];
  const pinDigest: DigestSync = async (_service, tag) => {
    calls.push({ tag, restartsBefore: h.nomad.restarts.length });
    const result = answer(tag, calls.filter((c) => c.tag === tag).length);
    // As digest-sync.ts does: the digest key gets the value before the rollout goes on.
    if ("digest" in result && result.digest !== undefined)
      await h.put("configs/web/IMAGE_DIGEST", result.digest);
    return result;
  };
  return { calls, pinDigest };
}

async function rolling(h: Harness, pinDigest: DigestSync) {
  await withWebJob(h);
  h.coordinator([pinned()], { pinDigest });
  await h.finished("web", "v1");
  await h.put(KEY, "v2");
  await h.clock.until(() => h.nomad.restarts.length === 1);
}

describe("a value that supersedes a running rollout of a pinned service", () => {
  let h: Harness;
  afterEach(async () => {
    await h.stopAll();
  });

  it("gets its digest pinned before any allocation restarts onto it", async () => {
    h = new Harness();
    const s = sync(h, (tag) => ({ digest: digestOf(tag) }));
    await rolling(h, s.pinDigest);
    await h.put(KEY, "v3"); // as `consul kv put` would, mid-rollout
    const record = await h.finished("web", "v3");
    expect(record).toMatchObject({ status: "succeeded", superseded: ["v2"], digest: digestOf("v3") });
    const v3 = s.calls.find((c) => c.tag === "v3");
    expect(v3).toBeDefined();
    // Every restart for v3 came after the check for v3.
    const firstV3 = h.nomad.restarts.findIndex((r) => r.value === "v3");
    expect(firstV3).toBeGreaterThanOrEqual(v3?.restartsBefore ?? Infinity);
    expect(h.nomad.served("web")).toEqual(["v3", "v3", "v3"]);
  });

  it("holds the rollout while the registry cannot be reached, then goes on", async () => {
    h = new Harness();
    const s = sync(h, (tag, call) => {
      if (tag === "v3" && call <= 2)
        throw new RegistryUnavailableError("registry.example.com", "registry down (fake)");
      return { digest: digestOf(tag) };
    });
    await rolling(h, s.pinDigest);
    await h.put(KEY, "v3");
    const record = await h.finished("web", "v3");
    expect(s.calls.filter((c) => c.tag === "v3").length).toBeGreaterThanOrEqual(3);
    expect(record).toMatchObject({ status: "succeeded", digest: digestOf("v3") });
    const lastFailedCheck = s.calls.filter((c) => c.tag === "v3")[1];
    // Nothing restarted onto v3 while its digest was unknown.
    expect(h.nomad.restarts.slice(0, lastFailedCheck?.restartsBefore).some((r) => r.value === "v3")).toBe(
      false,
    );
  });

  it("ends failed with the reason, restarting nothing more, when the registry refuses it", async () => {
    h = new Harness();
    const s = sync(h, (tag) =>
      tag === "v3"
        ? { refused: "v3 was written without tagroll and tag v3 is not in acme/web" }
        : { digest: digestOf(tag) },
    );
    await rolling(h, s.pinDigest);
    const before = h.nomad.restarts.length;
    await h.put(KEY, "v3");
    const record = await h.finished("web", "v3");
    expect(record.status).toBe("failed");
    expect(record.error).toContain("tag v3 is not in acme/web");
    await h.clock.sleep(60_000);
    expect(h.nomad.restarts.filter((r) => r.value === "v3")).toEqual([]);
    expect(h.nomad.restarts.length).toBeLessThanOrEqual(before + 1);
  });
});

describe("the first rollout after tagroll starts, of a pinned service", () => {
  let h: Harness;
  afterEach(async () => {
    await h.stopAll();
  });

  it("reverts a failing value to the adopted tag and the digest that was beside it", async () => {
    h = new Harness();
    await h.put("configs/web/IMAGE_DIGEST", digestOf("v1"));
    await withWebJob(h);
    h.coordinator([pinned()]);
    const adopted = await h.finished("web", "v1");
    expect(adopted).toMatchObject({ kind: "adopted", digest: digestOf("v1") });
    await h.put("configs/web/IMAGE_DIGEST", digestOf("v2"));
    await h.put(KEY, "v2-broken");
    const record = await h.finished("web", "v2-broken");
    expect(record).toMatchObject({ status: "reverted", previousDigest: digestOf("v1") });
    expect(h.peek(KEY)).toBe("v1");
    expect(h.peek("configs/web/IMAGE_DIGEST")).toBe(digestOf("v1"));
  });
});
