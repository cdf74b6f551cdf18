import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MultiNodeCluster } from "../../../src/agents/multi-node-cluster.js";
import type { RolloutRecord } from "../../../src/coordinator/index.js";
import { rolloutKey } from "../../../src/state/kv-layout.js";
import { createLogger } from "../../../src/core/logger.js";
import { Operations } from "../../../src/operations/index.js";
import { AgentClient } from "../../bench/agent-client.js";
import { startBenchTagroll, type BenchTagroll } from "../../bench/bench-tagroll.js";
import { sleep, waitFor } from "../../helpers/cluster.js";
import { readHistory } from "../../helpers/history.js";
import { startTestCluster, waitForPassing } from "../../helpers/multi-node.js";
import { registriesYaml, servedBy } from "./push-calls.js";
import { startSigningRegistry, USER, type SigningRegistry } from "./signing-registry.js";

/**
 * A tag written by hand (`consul kv put`, bypassing tagroll) for a service that pins digests by
 * default (README, "Supply chain": hand edits), on the multi-node loopback cluster with a real
 * docker-registry: the leader resolves the new tag's digest and writes it before the first
 * restart, so no allocation restarts onto the old image; with the registry down it restarts
 * nothing until the registry is back.
 */
describe("hand-edited tag keeps its digest (multi-node, real registry)", () => {
  const service = "mn-handedit";
  const tagKey = `configs/${service}/IMAGE_TAG`;
  const digestKey = `configs/${service}/IMAGE_DIGEST`;
  let cluster: MultiNodeCluster;
  let client: AgentClient;
  let reg: SigningRegistry;
  let tagroll: BenchTagroll;
  let image: string;
  let logFile: string;

  beforeAll(async () => {
    cluster = await startTestCluster(2);
    client = new AgentClient(cluster.consulAddr, cluster.nomadAddr);
    reg = await startSigningRegistry(cluster.dir);
    image = reg.image("handedit");
    // A short healthy deadline: the broken tag of the last test fails fast.
    await client.deployDemo(service, "v0", { count: 2, healthyDeadline: "15s" });
    await waitForPassing(cluster.consulAddr, service, 2);
    logFile = `${cluster.dir}/tagroll-handedit.log`;
    tagroll = await startBenchTagroll({
      consulAddr: cluster.consulAddr,
      nomadAddr: cluster.nomadAddr,
      yaml: [
        ...registriesYaml(reg.port, USER),
        "services:",
        `  - name: ${service}`,
        `    image: ${image}`,
        "    policy: { order: none }",
        "",
      ].join("\n"),
      env: { TEST_REGISTRY_PASSWORD: reg.password },
      coordinator: true,
      logFile,
      // No digest settings at all: the default is under test.
      pinDigests: true,
    });
    await tagroll.settled(service, "v0");
  });

  afterAll(async () => {
    await tagroll?.close();
    await reg?.stop();
    await cluster?.stop();
  });

  const kvValue = async (key: string) => (await tagroll.runtime.kv.get(key))?.value;

  async function record(): Promise<RolloutRecord> {
    return JSON.parse((await kvValue(rolloutKey(service)))!) as RolloutRecord;
  }

  /** What each running allocation's process was started with (the demo app reports its env). */
  const served = () => servedBy(cluster.nomadAddr, service);

  /** Log lines (pino JSON) with this message. */
  async function logged(msg: string): Promise<Array<Record<string, unknown>>> {
    const text = await readFile(logFile, "utf8").catch(() => "");
    return text
      .split("\n")
      .filter((line) => line.includes(msg))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** What `tagroll status <service>` reports, through the real Operations on tagroll's clients. */
  const statusOf = () =>
    new Operations({
      config: tagroll.config,
      kv: tagroll.runtime.kv,
      nomad: tagroll.runtime.nomad,
      logger: createLogger({ level: "silent" }),
    }).status(service);

  /** A `consul kv put` of the tag alone: Flags 0, no digest. */
  async function handEdit(tag: string): Promise<void> {
    await client.kvPut(tagKey, tag);
  }

  it("kv put of a new tag: its digest is written before the first restart; every allocation ends on both", async () => {
    const d1 = await reg.push(image, "v1");
    const restartsBefore = tagroll.restarts.length;
    await handEdit("v1");
    await tagroll.finished(service, "v1", 240_000);
    expect(await kvValue(digestKey)).toBe(d1);
    expect(await record()).toMatchObject({ kind: "deploy", value: "v1", digest: d1, status: "succeeded" });
    const pinnedAt = (await logged("pinned the digest of a tag written without tagroll")).filter(
      (line) => line["tag"] === "v1" && line["digest"] === d1,
    );
    expect(pinnedAt).toHaveLength(1);
    const restarts = tagroll.restarts.slice(restartsBefore);
    expect(restarts.length).toBeGreaterThanOrEqual(2);
    expect(restarts.every((r) => r.at >= Number(pinnedAt[0]!["time"]))).toBe(true);
    await waitFor("every allocation to run v1 with its digest", async () => {
      const now = await served();
      return now.length === 2 && now.every((s) => s.tag === "v1" && s.digest === d1);
    });
  });

  it("registry down: nothing restarts until it is back, then the new tag rolls out with its digest", async () => {
    const d1 = await kvValue(digestKey);
    const d2 = await reg.push(image, "v2");
    expect(d2).not.toBe(d1);
    const restartsBefore = tagroll.restarts.length;
    const heldBefore = (await logged("deploy held back until the digest")).length;
    await reg.stop();
    try {
      await handEdit("v2");
      await waitFor(
        "the leader to hold the rollout back at least twice",
        async () => (await logged("deploy held back until the digest")).length >= heldBefore + 2,
        { timeoutMs: 120_000, intervalMs: 500 },
      );
      const failed = await logged("rollout loop failed; will look again");
      expect(JSON.stringify(failed.at(-1))).toMatch(/could not resolve it: make 127\.0\.0\.1:\d+ reachable/);
      await sleep(2_000);
      expect(tagroll.restarts.length).toBe(restartsBefore);
      // Status says why nothing moves (src/operations/service-status.ts `pending`).
      const [status] = (await statusOf()).services;
      expect(status?.digest).toMatchObject({
        desired: d1,
        pending: expect.stringContaining("v2 was written"),
      });
      expect(await kvValue(digestKey)).toBe(d1);
      expect((await served()).every((s) => s.tag === "v1" && s.digest === d1)).toBe(true);
    } finally {
      await reg.restart();
    }
    await tagroll.finished(service, "v2", 240_000);
    expect(await kvValue(digestKey)).toBe(d2);
    expect((await statusOf()).services[0]?.digest?.pending).toBeUndefined();
    expect(await record()).toMatchObject({ value: "v2", digest: d2, status: "succeeded" });
    await waitFor("every allocation to run v2 with its digest", async () => {
      const now = await served();
      return now.length === 2 && now.every((s) => s.tag === "v2" && s.digest === d2);
    });
    await expect(readFile(logFile, "utf8")).resolves.not.toContain(reg.password);
  });

  it("a broken tag reverts: the previous tag AND its digest go back, every allocation ends on both", async () => {
    const d2 = await kvValue(digestKey);
    expect(await kvValue(tagKey)).toBe("v2");
    const d3 = await reg.push(image, "v3-broken");
    await handEdit("v3-broken");
    await waitFor(
      "the broken rollout to revert",
      async () => {
        const r = await record();
        return r.value === "v3-broken" && r.status === "reverted";
      },
      { timeoutMs: 240_000, intervalMs: 500 },
    );
    expect(await record()).toMatchObject({ digest: d3, previousValue: "v2", previousDigest: d2 });
    expect(await kvValue(tagKey)).toBe("v2");
    // Without the digest going back, the reverted allocations would pull the broken image by digest.
    expect(await kvValue(digestKey)).toBe(d2);
    await waitFor("every allocation to run v2 with its digest again", async () => {
      const now = await served();
      return now.length === 2 && now.every((s) => s.tag === "v2" && s.digest === d2);
    });
  });

  it("a hand-edited tag the registry does not have ends the rollout failed with the reason; nothing restarts", async () => {
    const digest = await kvValue(digestKey);
    const restartsBefore = tagroll.restarts.length;
    await handEdit("v9-missing");
    await waitFor(
      "the rollout of the missing tag to end",
      async () => {
        const r = await record();
        return r.value === "v9-missing" && r.status === "failed";
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    expect((await record()).error).toMatch(
      /v9-missing was written without tagroll and tag v9-missing is not in/,
    );
    expect(tagroll.restarts.length).toBe(restartsBefore);
    expect(await kvValue(digestKey)).toBe(digest);
    expect((await served()).every((s) => s.tag === "v2" && s.digest === digest)).toBe(true);
    // Looked up, not taken as the last entry: the operator entry of the same edit is appended by
    // another observer (src/state/external-edits.ts) and may land after it.
    const entries = await readHistory(service, cluster.consulAddr);
    expect(entries.find((e) => e.kind === "rollout" && e.tag === "v9-missing")).toMatchObject({
      kind: "rollout",
      tag: "v9-missing",
      outcome: "failed",
      message: expect.stringContaining("is not in"),
    });
  });

  it("a kv put during a running rollout: the newer tag's digest is pinned before any restart onto it", async () => {
    const d4 = await reg.push(image, "v4");
    const d5 = await reg.push(image, "v5");
    const restartsBefore = tagroll.restarts.length;
    await handEdit("v4");
    await waitFor("the rollout of v4 to restart its first allocation", async () => {
      return tagroll.restarts.length > restartsBefore;
    });
    // Superseded mid-rollout by another hand edit: the supersede path, not a new rollout.
    await handEdit("v5");
    const finished = await tagroll.finished(service, "v5", 240_000);
    expect(await record()).toMatchObject({ value: "v5", digest: d5, status: "succeeded" });
    expect((await record()).superseded).toContain("v4");
    expect(await kvValue(digestKey)).toBe(d5);
    const pinned = (await logged("pinned the digest of a tag written without tagroll")).filter(
      (line) => line["tag"] === "v5" && line["digest"] === d5,
    );
    expect(pinned).toHaveLength(1);
    expect(d4).not.toBe(d5);
    await waitFor("every allocation to run v5 with its own digest", async () => {
      const now = await served();
      return now.length === 2 && now.every((s) => s.tag === "v5" && s.digest === d5);
    });
    expect(finished.wall).toBeGreaterThanOrEqual(Number(pinned[0]!["time"]));
  });
});
