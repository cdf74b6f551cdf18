import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MultiNodeCluster } from "../../../src/agents/multi-node-cluster.js";
import { systemClock } from "../../../src/core/clock.js";
import type { RolloutRecord } from "../../../src/coordinator/index.js";
import type { StatusReport } from "../../../src/operations/index.js";
import { rolloutKey } from "../../../src/state/kv-layout.js";
import { createAdminToken, createWebhookToken } from "../../../src/tokens/index.js";
import { AgentClient } from "../../bench/agent-client.js";
import { startBenchTagroll, type BenchTagroll } from "../../bench/bench-tagroll.js";
import type { Haproxy } from "../../bench/haproxy.js";
import { startOpenLoopLoad } from "../../bench/open-loop-load.js";
import { sleep, waitFor } from "../../helpers/cluster.js";
import { getJsonFrom, haproxyFor, startTestCluster, waitForPassing } from "../../helpers/multi-node.js";
import { launchChromium } from "../../helpers/chromium.js";
import { postPush, servedBy, type HookReply } from "./push-calls.js";
import { startSigningRegistry, USER, type SigningRegistry } from "./signing-registry.js";

/**
 * A mutable tag re-pushed with new content, followed to the end on the multi-node loopback
 * cluster (README, "Supply chain"): a real docker-registry, images pushed by skopeo, the webhook
 * pins tag and digest, the leader rolls them out; the same tag pushed again with other content
 * is a new digest, the webhook's restart request becomes a second rollout, and every allocation
 * ends running — and rendering — the NEW digest, with no failed request through HAProxy. The
 * status API, `tagroll status`'s data and the status page (headless Chromium) show the digests.
 */
describe("re-pushed tag rolls out again (multi-node, real registry)", () => {
  const service = "mn-repush";
  const tagKey = `configs/${service}/IMAGE_TAG`;
  const digestKey = `configs/${service}/IMAGE_DIGEST`;
  let cluster: MultiNodeCluster;
  let client: AgentClient;
  let reg: SigningRegistry;
  let haproxy: Haproxy;
  let tagroll: BenchTagroll;
  let browser: Browser | undefined;
  let image: string;

  beforeAll(async () => {
    cluster = await startTestCluster(2);
    client = new AgentClient(cluster.consulAddr, cluster.nomadAddr);
    reg = await startSigningRegistry(cluster.dir);
    image = reg.image("repush");
    await client.deployDemo(service, "v0", { count: 3 });
    await waitForPassing(cluster.consulAddr, service, 3);
    haproxy = await haproxyFor(cluster, service);
    tagroll = await startBenchTagroll({
      consulAddr: cluster.consulAddr,
      nomadAddr: cluster.nomadAddr,
      yaml: [
        "registries:",
        `  - { host: "127.0.0.1:${reg.port}", insecure: true, username: ${USER}, passwordEnv: TEST_REGISTRY_PASSWORD }`,
        "services:",
        `  - name: ${service}`,
        `    image: ${image}`,
        "    source: generic",
        "    policy: { order: none }",
        "    digest: true",
        "",
      ].join("\n"),
      env: { TEST_REGISTRY_PASSWORD: reg.password },
      coordinator: true,
      logFile: `${cluster.dir}/tagroll.log`,
    });
    await tagroll.settled(service, "v0");
  });

  afterAll(async () => {
    await browser?.close();
    await tagroll?.close();
    await haproxy?.stop();
    await reg?.stop();
    await cluster?.stop();
  });

  async function hook(tag: string): Promise<HookReply> {
    const { keys, activeKeyId } = tagroll.config;
    const { token } = await createWebhookToken(keys, activeKeyId, service, systemClock);
    return postPush(`${tagroll.runtime.url}/hooks/${token}`, image, tag);
  }

  async function record(): Promise<RolloutRecord> {
    return JSON.parse((await tagroll.runtime.kv.get(rolloutKey(service)))!.value) as RolloutRecord;
  }

  /** What each running allocation's process was started with (the demo app reports its env). */
  const served = () => servedBy(cluster.nomadAddr, service);

  async function statusApi(): Promise<StatusReport["services"][number]> {
    const { keys, activeKeyId } = tagroll.config;
    const { token } = await createAdminToken(keys, activeKeyId, {
      subject: "repush-test",
      scopes: ["read"],
      expiresIn: 600,
    });
    const report = await getJsonFrom<StatusReport>(tagroll.runtime.url, `/api/v1/services/${service}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return report.services[0]!;
  }

  let first: string;

  it("a pushed tag deploys with its digest: KV, every allocation and the status API hold it", async () => {
    first = await reg.push(image, "v1");
    expect(await hook("v1")).toMatchObject({
      status: 202,
      body: { status: "accepted", tag: "v1", digest: first },
    });
    await tagroll.finished(service, "v1");
    expect((await tagroll.runtime.kv.get(digestKey))?.value).toBe(first);
    expect(await record()).toMatchObject({ kind: "deploy", value: "v1", digest: first, status: "succeeded" });
    await waitFor("every allocation to run v1 with its digest", async () => {
      const now = await served();
      return now.length === 3 && now.every((s) => s.tag === "v1" && s.digest === first);
    });
    const status = await statusApi();
    expect(status.digest).toEqual({ key: digestKey, desired: first, deployed: first });
    expect(status.allocations.map((a) => [a.rendered, a.renderedDigest])).toEqual([
      ["v1", first],
      ["v1", first],
      ["v1", first],
    ]);
  });

  it("v1 re-pushed with new content rolls out again: every allocation ends on the NEW digest, no failed request", async () => {
    const second = await reg.push(image, "v1");
    expect(second).not.toBe(first);
    const restartsBefore = tagroll.restarts.length;
    const load = startOpenLoopLoad(haproxy.url, 50);
    await sleep(1_000);
    expect(await hook("v1")).toMatchObject({
      status: 202,
      body: { status: "accepted", tag: "v1", digest: second },
    });
    expect((await tagroll.runtime.kv.get(tagKey))?.value).toBe("v1");
    expect((await tagroll.runtime.kv.get(digestKey))?.value).toBe(second);

    await waitFor(
      "the restart rollout onto the new digest to finish",
      async () => {
        const r = await record();
        return r.kind === "restart" && r.digest === second && r.status === "succeeded";
      },
      { timeoutMs: 240_000, intervalMs: 250 },
    );
    await waitFor("HAProxy to see every instance again", async () => (await haproxy.upServers()) === 3, {
      timeoutMs: 60_000,
      intervalMs: 100,
    });
    await sleep(1_000);
    const report = await load.stop();
    console.log(`re-pushed tag rollout: ${report.failed}/${report.total} failed requests`);

    const r = await record();
    expect(r.allocs).toHaveLength(3);
    expect(r.allocs.map((a) => [a.state, a.restartedFor])).toEqual([
      ["healthy", "v1"],
      ["healthy", "v1"],
      ["healthy", "v1"],
    ]);
    // A second round of restarts, one per allocation.
    expect(tagroll.restarts.length - restartsBefore).toBeGreaterThanOrEqual(3);
    const now = await served();
    expect(now).toHaveLength(3);
    expect(now.every((s) => s.tag === "v1" && s.digest === second)).toBe(true);
    expect(report.errors).toEqual([]);
    expect(report.failed).toBe(0);

    // The status API (real Consul + Nomad fs reads): desired and deployed digest, and the digest
    // each allocation's template renders.
    const status = await statusApi();
    expect(status.desired).toBe("v1");
    expect(status.digest).toEqual({ key: digestKey, desired: second, deployed: second });
    expect(status.allocations.map((a) => a.renderedDigest)).toEqual([second, second, second]);

    // The status page shows both, short, with the full digest in the markup.
    browser = await launchChromium();
    const page = await browser.newPage();
    const { keys, activeKeyId } = tagroll.config;
    const { token } = await createAdminToken(keys, activeKeyId, {
      subject: "repush-page",
      scopes: ["read"],
      expiresIn: 600,
    });
    await page.goto(`${tagroll.runtime.url}/#token=${token}`);
    const card = `[data-service="${service}"]`;
    await page.waitForSelector(`${card} [data-field="digest-desired"] [data-digest="${second}"]`);
    await page.waitForSelector(`${card} [data-field="digest-deployed"] [data-digest="${second}"]`);
    expect(await page.textContent(`${card} [data-field="digest-desired"]`)).toBe(`${second.slice(0, 19)}…`);
    const rows = page.locator(`${card} [data-alloc-id]`);
    await waitFor("the page to show every allocation rendering the new digest", async () => {
      const digests = await Promise.all(
        (await rows.all()).map((row) => row.getAttribute("data-rendered-digest")),
      );
      return digests.length === 3 && digests.every((d) => d === second);
    });
  });
});
