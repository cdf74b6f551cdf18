import { writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { MultiNodeCluster } from "../../../src/agents/multi-node-cluster.js";
import { runCommand } from "../../../src/agents/run-command.js";
import { systemClock } from "../../../src/core/clock.js";
import type { RolloutRecord } from "../../../src/coordinator/index.js";
import { rolloutKey } from "../../../src/state/kv-layout.js";
import { createAdminToken, createWebhookToken } from "../../../src/tokens/index.js";
import { AgentClient } from "../../bench/agent-client.js";
import { startBenchTagroll, type BenchTagroll } from "../../bench/bench-tagroll.js";
import type { Browser } from "playwright-core";
import { launchChromium } from "../../helpers/chromium.js";
import { waitFor } from "../../helpers/cluster.js";
import { startTestCluster, waitForPassing } from "../../helpers/multi-node.js";
import { redeployTwin } from "../../helpers/redeploy-twin.js";
import { postPush, registriesYaml, servedBy } from "../supply-chain/push-calls.js";
import { startSigningRegistry, USER, type SigningRegistry } from "../supply-chain/signing-registry.js";

/** A gated restart service and a redeploy (job meta) service, both pinning digests. */
const GATED = "gd-approve";
const META = "web-meta"; // the job name in deploy/example-web-meta.nomad.hcl

/**
 * The digest key follows the tag key wherever tagroll writes the tag back (README, "Supply chain"
 * and "Approvals, deploy windows and promotion"), on the multi-node loopback cluster: a gate that
 * parks a held value puts the running digest back too, so an allocation Nomad restarts meanwhile
 * renders the image that runs and not the one that waits, and the release puts the held value's
 * digest back beside it; a redeploy rollout reverted after a failed deployment puts the previous
 * digest back with the previous tag, as a restart rollout does. Images are pushed to a real
 * docker-registry by skopeo (new content, so a new digest, every push); tagroll resolves them.
 */
describe("digests written back with tags (multi-node)", () => {
  let cluster: MultiNodeCluster;
  let client: AgentClient;
  let tagroll: BenchTagroll;
  let reg: SigningRegistry;
  let browser: Browser | undefined;
  const images = {} as Record<string, string>;
  const digests = {} as Record<string, string>;

  /** What each running allocation's process of the gated job reports (deploy/demo/app.mjs). */
  const processes = async () =>
    (await servedBy(cluster.nomadAddr, GATED)) as Array<{
      tag: string;
      digest: string | null;
      pid: number;
      alloc: string;
    }>;
  const kvValue = async (key: string) => (await tagroll.runtime.kv.get(key))?.value;
  const record = async (service: string) =>
    JSON.parse((await kvValue(rolloutKey(service)))!) as RolloutRecord;

  /** A new image pushed to the registry as `tag`, then the webhook: tagroll pins its digest. */
  async function push(service: string, tag: string): Promise<string> {
    const image = images[service]!;
    const pushed = await reg.push(image, tag);
    const { keys, activeKeyId } = tagroll.config;
    const { token } = await createWebhookToken(keys, activeKeyId, service, systemClock);
    expect(await postPush(`${tagroll.runtime.url}/hooks/${token}`, image, tag)).toMatchObject({
      status: 202,
      body: { status: "accepted", tag, digest: pushed },
    });
    return pushed;
  }

  beforeAll(async () => {
    cluster = await startTestCluster(2);
    client = new AgentClient(cluster.consulAddr, cluster.nomadAddr);
    reg = await startSigningRegistry(cluster.dir);
    for (const service of [GATED, META]) images[service] = reg.image(service);
    digests.one = await reg.push(images[GATED]!, "v1");
    await client.kvPut(`configs/${GATED}/IMAGE_DIGEST`, digests.one);
    await client.deployDemo(GATED, "v1", { count: 2 });
    await waitForPassing(cluster.consulAddr, GATED, 2);

    const file = `${cluster.dir}/${META}.nomad.hcl`;
    await writeFile(file, await redeployTwin("example-web-meta.nomad.hcl"));
    await client.kvPut(`configs/${META}/IMAGE_TAG`, "1.0.0");
    await client.kvPut(`configs/${META}/IMAGE_DIGEST`, await reg.push(images[META]!, "1.0.0"));
    await runCommand(inject("nomadBin"), ["job", "run", "-detach", file], {
      env: { ...process.env, NOMAD_ADDR: cluster.nomadAddr },
      timeoutMs: 120_000,
    });
    await client.waitForDeployment(META);
    await waitForPassing(cluster.consulAddr, META, 3);

    tagroll = await startBenchTagroll({
      consulAddr: cluster.consulAddr,
      nomadAddr: cluster.nomadAddr,
      yaml: [
        ...registriesYaml(reg.port, USER),
        "services:",
        `  - name: ${GATED}`,
        `    image: ${images[GATED]}`,
        "    source: generic",
        "    policy: { order: none }",
        "    digest: true",
        "    approvals: { required: 1 }",
        `  - name: ${META}`,
        `    image: ${images[META]}`,
        "    source: generic",
        "    policy: { order: none }",
        "    digest: true",
        "    strategy: { redeploy: meta.VERSION }",
        "",
      ].join("\n"),
      env: { TEST_REGISTRY_PASSWORD: reg.password },
      coordinator: true,
      logFile: `${cluster.dir}/tagroll.log`,
    });
    await tagroll.settled(GATED, "v1");
    await tagroll.settled(META, "1.0.0");
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await tagroll?.close();
    await reg?.stop();
    await cluster?.stop();
  });

  it("a held value is parked with the running digest; a restart meanwhile runs what ran; the release rolls out both", async () => {
    expect((await record(GATED)).digest).toBe(digests.one);
    const two = await push(GATED, "v2");
    await waitFor("v2 held and parked with v1's digest", async () => {
      const [tag, pinned] = [
        await kvValue(`configs/${GATED}/IMAGE_TAG`),
        await kvValue(`configs/${GATED}/IMAGE_DIGEST`),
      ];
      return tag === "v1" && pinned === digests.one;
    });

    // Nomad restarts an allocation while v2 waits (an operator, a failed check): it must start v1
    // with v1's digest, not v1's tag with the held image's digest.
    const before = await processes();
    const [alloc] = await client.runningAllocs(GATED);
    await client.nomadJson(`/v1/client/allocation/${alloc!.ID}/restart`, { method: "POST", body: "{}" });
    const restarted = await waitFor("the restarted allocation's new process", async () => {
      const now = (await processes()).find((p) => p.alloc === alloc!.ID);
      return now && now.pid !== before.find((p) => p.alloc === alloc!.ID)?.pid ? now : undefined;
    });
    expect(restarted).toMatchObject({ tag: "v1", digest: digests.one });
    await waitForPassing(cluster.consulAddr, GATED, 2);

    const { keys, activeKeyId } = tagroll.config;
    const { token } = await createAdminToken(keys, activeKeyId, {
      subject: "alice",
      scopes: ["read", "approve"],
      expiresIn: 600,
    });
    const api = (method: string, path: string, body?: unknown) =>
      fetch(`${tagroll.runtime.url}/api/v1/services/${GATED}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
    const shown = (await (await api("GET", "")).json()) as { services: Array<{ waiting: unknown }> };
    expect(shown.services[0]?.waiting).toMatchObject({ value: "v2", digest: two });
    // The status page (headless Chromium) names the held value with its digest, short.
    browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(`${tagroll.runtime.url}/#token=${token}`);
    const held = `[data-service="${GATED}"] .waiting[data-waiting-value="v2"]`;
    await page.waitForSelector(held);
    expect(await page.textContent(held)).toContain(`Waiting for approval: v2@${two.slice(0, 19)}…`);
    const approved = await api("POST", "/approve", { value: "v2" });
    expect(approved.status).toBe(200);
    await tagroll.finished(GATED, "v2");
    expect(await record(GATED)).toMatchObject({ status: "succeeded", value: "v2", digest: two });
    expect(await kvValue(`configs/${GATED}/IMAGE_DIGEST`)).toBe(two);
    await waitFor("every allocation to serve v2 with its digest", async () => {
      const served = await servedBy(cluster.nomadAddr, GATED);
      return served.length === 2 && served.every((s) => s.tag === "v2" && s.digest === two);
    });
  });

  it("a redeploy rollout reverted after its deployment failed puts the previous digest back with the previous tag", async () => {
    const good = await push(META, "1.0.1");
    await tagroll.finished(META, "1.0.1");
    expect(await record(META)).toMatchObject({ status: "succeeded", digest: good });

    await push(META, "1.0.2-broken");
    const done = await waitFor(
      "the rollout of 1.0.2-broken to end",
      async () => {
        const r = await record(META);
        return r.value === "1.0.2-broken" && ["succeeded", "failed", "reverted"].includes(r.status)
          ? r
          : undefined;
      },
      { timeoutMs: 300_000, intervalMs: 250 },
    );
    expect(done).toMatchObject({ status: "reverted", previousDigest: good });
    expect(await kvValue(`configs/${META}/IMAGE_TAG`)).toBe("1.0.1");
    expect(await kvValue(`configs/${META}/IMAGE_DIGEST`)).toBe(good);
    await client.waitForTag(META, 3, "1.0.1");
  });
});
