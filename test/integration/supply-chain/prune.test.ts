import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServiceConfig } from "../../../src/config/types.js";
import { systemClock } from "../../../src/core/clock.js";
import { ConsulKvStore } from "../../../src/kv/consul-kv-store.js";
import { RegistryPruner } from "../../../src/prune/registry-pruner.js";
import { rolloutKey } from "../../../src/state/kv-layout.js";
import { signatureTag } from "../../../src/supply-chain/cosign-signature.js";
import { RegistryPool } from "../../../src/supply-chain/registry-pool.js";
import type { SupplyChainObserver } from "../../../src/supply-chain/supply-chain-observer.js";
import { capturingLogger, loadTestConfig } from "../../helpers/tagroll.js";
import { cleanService, deleteKeys } from "../ingress/kv-probe.js";
import { startSigningRegistry, USER, type SigningRegistry } from "./signing-registry.js";

/**
 * Pruning against a real docker-registry with deletes enabled: exactly the expected tags stay
 * (newest N, named tags, the deployed and previous values, and any tag sharing their digest), a
 * deleted digest's cosign signature goes with it, and nothing is deleted when the registry fails
 * or the plan would touch a protected tag.
 */

const SERVICE = "sc-pruned";
const TAG_KEY = `configs/${SERVICE}/IMAGE_TAG`;

describe("registry pruning (docker-registry, deletes enabled)", () => {
  let dir: string;
  let reg: SigningRegistry;
  let image: string;
  let service: ServiceConfig;
  let kv: ConsulKvStore;
  let pool: RegistryPool;
  let pruner: RegistryPruner;
  const counted: Array<[string, number]> = [];
  const digests: Record<string, string> = {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tagroll-prune-"));
    reg = await startSigningRegistry(dir);
    image = reg.image("pruned-web");
    const config = loadTestConfig({
      yaml: [
        "registries:",
        `  - { host: "127.0.0.1:${reg.port}", insecure: true, username: ${USER}, passwordEnv: TEST_REGISTRY_PASSWORD }`,
        "services:",
        `  - name: ${SERVICE}`,
        `    image: ${image}`,
        "    policy: { order: semver }",
        "    prune: { keep: 2, keepTags: [stable] }",
        "",
      ].join("\n"),
      env: { TEST_REGISTRY_PASSWORD: reg.password },
    });
    service = config.services[0] as ServiceConfig;
    kv = new ConsulKvStore(config.consul);
    const { log } = capturingLogger();
    pool = new RegistryPool({ registries: config.registries ?? [], clock: systemClock, log });
    const observer: SupplyChainObserver = {
      onRefused: () => {},
      onPoll: () => {},
      onPrune: (_s, outcome, n) => counted.push([outcome, n]),
      onDigestPending: () => {},
    };
    pruner = new RegistryPruner({ pool, kv, log, observer });
    for (const tag of ["1.0.0", "1.1.0", "1.2.0", "1.3.0", "1.4.0", "1.5.0"]) {
      digests[tag] = await reg.push(image, tag);
    }
    await reg.copy(image, "1.1.0", "stable");
    const { key } = await reg.keyPair("p");
    await reg.sign(image, digests["1.0.0"] ?? "", key);
    await kv.set(TAG_KEY, "1.5.0");
    await kv.set(rolloutKey(SERVICE), JSON.stringify({ value: "1.5.0", previousValue: "1.2.0" }));
  });

  afterAll(async () => {
    await pool?.close();
    await reg?.stop();
    await cleanService(SERVICE, TAG_KEY);
    await deleteKeys([rolloutKey(SERVICE)]);
    kv?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const tags = async () => {
    const where = pool.forImage(image);
    return (await where.registry.listTags(where.repository)).sort();
  };
  const sig = () => signatureTag(digests["1.0.0"] ?? "");

  it("--dry-run shows the plan and deletes nothing", async () => {
    const before = await tags();
    expect(before).toContain(sig());
    const result = await pruner.prune(service, { dryRun: true });
    expect(result.status).toBe("dry-run");
    if (result.status !== "dry-run") return;
    expect(result.plan.delete.flatMap((d) => d.tags).sort()).toEqual(["1.0.0", "1.3.0", sig()].sort());
    expect(await tags()).toEqual(before);
  });

  it("nothing is deleted when the registry fails", async () => {
    const before = await tags();
    await reg.stop();
    try {
      await expect(pruner.prune(service)).rejects.toThrow(/unreachable/);
    } finally {
      await reg.restart();
    }
    expect(await tags()).toEqual(before);
  });

  it("nothing is deleted when the plan would touch a protected tag (deployed value not in the registry)", async () => {
    const before = await tags();
    await kv.set(TAG_KEY, "9.9.9");
    try {
      expect(await pruner.prune(service)).toMatchObject({ status: "refused" });
    } finally {
      await kv.set(TAG_KEY, "1.5.0");
    }
    expect(await tags()).toEqual(before);
  });

  it("keeps exactly the newest two, stable and its digest-mate, deployed and previous; deletes the rest", async () => {
    const result = await pruner.prune(service);
    expect(result).toMatchObject({ status: "pruned", failed: [] });
    expect(await tags()).toEqual(["1.1.0", "1.2.0", "1.4.0", "1.5.0", "stable"]);
    expect(counted).toContainEqual(["deleted", 3]);
  });
});
