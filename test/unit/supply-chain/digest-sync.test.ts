import { describe, expect, it } from "vitest";
import type { ServiceConfig } from "../../../src/config/types.js";
import { createLogger } from "../../../src/core/logger.js";
import { RegistryUnavailableError } from "../../../src/registry/registry-errors.js";
import { DigestUnavailableError } from "../../../src/supply-chain/digest-unavailable.js";
import { digestSync } from "../../../src/supply-chain/digest-sync.js";
import type { Admission, SupplyChainGate } from "../../../src/supply-chain/supply-chain-gate.js";
import { NO_SUPPLY_CHAIN_OBSERVER } from "../../../src/supply-chain/supply-chain-observer.js";
import { FakeKvStore } from "../../helpers/fake-kv-store.js";

const TAG_KEY = "configs/web/IMAGE_TAG";
const DIGEST_KEY = "configs/web/IMAGE_DIGEST";
const OLD = `sha256:${"a".repeat(64)}`;
const NEW = `sha256:${"b".repeat(64)}`;
const service = {
  name: "web",
  image: "registry.example.com/acme/web",
  key: TAG_KEY,
  supplyChain: { digestKey: DIGEST_KEY, publicKeys: [] },
} as unknown as ServiceConfig;

/** The sync with a gate that answers `answer` (or throws it) and counts its calls and pending faults. */
function world(answer: Admission | Error) {
  const kv = new FakeKvStore();
  const asked: string[] = [];
  const pending: string[] = [];
  const gate = {
    admit: async (_s: ServiceConfig, tag: string) => {
      asked.push(tag);
      if (answer instanceof Error) throw answer;
      return answer;
    },
  } as unknown as SupplyChainGate;
  const observer = { ...NO_SUPPLY_CHAIN_OBSERVER, onDigestPending: (s: string) => pending.push(s) };
  const sync = digestSync({ kv, gate, log: createLogger({ level: "silent" }), observer });
  return { kv, asked, pending, sync };
}

/** README, "Supply chain": a tag written without tagroll gets its digest before the rollout. */
describe("digestSync", () => {
  it("keeps a digest written in the tag's own transaction, asking no registry", async () => {
    const w = world({ admitted: true, digest: NEW });
    await w.kv.set(DIGEST_KEY, OLD);
    await w.kv.set(TAG_KEY, "v2");
    // Consul gives every key of one transaction the transaction's index (default-digest.test.ts
    // proves it on a real agent); the fake numbers each write, so the digest key is read as such.
    const get = w.kv.get.bind(w.kv);
    w.kv.get = async (key) => {
      const entry = await get(key);
      const tag = await get(TAG_KEY);
      return key === DIGEST_KEY && entry && tag ? { ...entry, modifyIndex: tag.modifyIndex } : entry;
    };
    expect(await w.sync(service, "v2")).toEqual({ digest: OLD });
    expect(w.asked).toEqual([]);
  });

  it("resolves and writes the digest of a tag put by hand after its digest", async () => {
    const w = world({ admitted: true, digest: NEW });
    await w.kv.set(DIGEST_KEY, OLD);
    await w.kv.set(TAG_KEY, "v2");
    expect(await w.sync(service, "v2")).toEqual({ digest: NEW });
    expect(w.asked).toEqual(["v2"]);
    expect((await w.kv.get(DIGEST_KEY))?.value).toBe(NEW);
  });

  it("asks the registry once for a hand-edited tag: later starts keep the digest tagroll pinned", async () => {
    const w = world({ admitted: true, digest: NEW });
    await w.kv.set(DIGEST_KEY, OLD);
    await w.kv.set(TAG_KEY, "v2");
    expect(await w.sync(service, "v2")).toEqual({ digest: NEW });
    // A resumed rollout or a new leader starts the same tag again.
    expect(await w.sync(service, "v2")).toEqual({ digest: NEW });
    expect(w.asked).toEqual(["v2"]);
  });

  it("does not trust a digest put by hand after the tag: the tag goes through the gate", async () => {
    const w = world({ admitted: true, digest: NEW });
    await w.kv.set(TAG_KEY, "v2");
    await w.kv.set(DIGEST_KEY, OLD);
    expect(await w.sync(service, "v2")).toEqual({ digest: NEW });
    expect(w.asked).toEqual(["v2"]);
    expect((await w.kv.get(DIGEST_KEY))?.value).toBe(NEW);
  });

  it("resolves a missing digest key", async () => {
    const w = world({ admitted: true, digest: NEW });
    await w.kv.set(TAG_KEY, "v2");
    expect(await w.sync(service, "v2")).toEqual({ digest: NEW });
    expect((await w.kv.get(DIGEST_KEY))?.value).toBe(NEW);
  });

  it("returns a refusal with the reason and writes nothing", async () => {
    const w = world({
      admitted: false,
      kind: "not_found",
      reason: "tag v2 is not in registry.example.com/acme/web",
    });
    await w.kv.set(DIGEST_KEY, OLD);
    await w.kv.set(TAG_KEY, "v2");
    const result = await w.sync(service, "v2");
    expect(result).toEqual({ refused: expect.stringContaining("tag v2 is not in") });
    expect((await w.kv.get(DIGEST_KEY))?.value).toBe(OLD);
  });

  it("throws a registry fault with what to fix, counts it, and writes nothing", async () => {
    const w = world(
      new RegistryUnavailableError("registry.example.com", "registry registry.example.com unreachable"),
    );
    await w.kv.set(DIGEST_KEY, OLD);
    await w.kv.set(TAG_KEY, "v2");
    const error = await w.sync(service, "v2").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DigestUnavailableError);
    expect((error as Error).message).toMatch(/make registry\.example\.com reachable .* "registries"/);
    expect(w.pending).toEqual(["web"]);
    expect((await w.kv.get(DIGEST_KEY))?.value).toBe(OLD);
  });
});
