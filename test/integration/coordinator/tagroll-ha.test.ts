import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MultiNodeCluster } from "../../../src/agents/multi-node-cluster.js";
import { registerDemoJob } from "../../../src/demo/demo-job.js";
import { AgentClient } from "../../bench/agent-client.js";
import { waitFor } from "../../helpers/cluster.js";
import { getJsonFrom, runningAllocsOn, startTestCluster, waitForPassing } from "../../helpers/multi-node.js";
import { runCli, writeConfigDir } from "../../helpers/tagroll-cli.js";
import { rawExecTwin } from "../../helpers/tagroll-job-twin.js";
import { parseDeployJob } from "../deploy/parsed-job.js";

const SERVICE = "hademo";
const KEY = `configs/${SERVICE}/IMAGE_TAG`;
const SIGNING_KEYS = `ha1:${randomBytes(32).toString("base64")}`;
const CONFIG_YAML = `logLevel: info
services:
  - name: ${SERVICE}
    image: tagroll/${SERVICE}
    policy:
      order: none
`;

interface Holder {
  session: string;
  node: string;
}

interface AllocEvents {
  ID: string;
  NodeName: string;
  TaskStates: Record<string, { Events: Array<{ Type: string }> }> | null;
}

/**
 * tagroll run the way deploy/tagroll.nomad.hcl documents it — count 2 on distinct nodes, secrets
 * from its Nomad variable, config from its template, each instance talking to its own node's
 * agents — as a raw_exec twin of that job on a 3-node loopback cluster. A webhook starts a
 * rollout of the demo job; the node that runs the leader is lost mid-rollout (its Nomad client,
 * Consul agent and tasks killed at once); the other instance takes the lock and finishes.
 */
describe("tagroll as its own Nomad job, HA across nodes", () => {
  let cluster: MultiNodeCluster;
  const nomad = (path: string, init: RequestInit = {}) => getJsonFrom(cluster.nomadAddr, path, init);

  async function leader(): Promise<Holder | undefined> {
    const res = await fetch(`${cluster.consulAddr}/v1/kv/tagroll/leader`);
    if (res.status === 404) return undefined;
    const [entry] = (await res.json()) as Array<{ Session?: string }>;
    if (!entry?.Session) return undefined;
    const [info] = await getJsonFrom<Array<{ Node: string }>>(
      cluster.consulAddr,
      `/v1/session/info/${entry.Session}`,
    );
    return info ? { session: entry.Session, node: info.Node } : undefined;
  }

  beforeAll(async () => {
    cluster = await startTestCluster(3);
    await fetch(`${cluster.nomadAddr}/v1/var/nomad/jobs/tagroll`, {
      method: "PUT",
      body: JSON.stringify({ Path: "nomad/jobs/tagroll", Items: { TAGROLL_SIGNING_KEYS: SIGNING_KEYS } }),
    });
    await fetch(`${cluster.consulAddr}/v1/kv/${KEY}`, { method: "PUT", body: "v1" });
    await registerDemoJob(cluster.nomadAddr, { service: SERVICE, count: 3, minHealthyTime: "3s" });
    await waitForPassing(cluster.consulAddr, SERVICE, 3);
    const job = rawExecTwin(await parseDeployJob("tagroll.nomad.hcl"), CONFIG_YAML);
    await nomad("/v1/jobs", { method: "POST", body: JSON.stringify({ Job: job }) });
    await waitForPassing(cluster.consulAddr, "tagroll", 2, 120_000);
    await waitFor("a tagroll instance to lead", leader, { timeoutMs: 60_000 });
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it("runs two instances on distinct nodes", async () => {
    const allocs = await runningAllocsOn(cluster.nomadAddr, "tagroll");
    expect(allocs).toHaveLength(2);
    expect(new Set(allocs.map((a) => a.NodeName)).size).toBe(2);
  });

  it("finishes a webhook's rollout after the leader's node is lost, restarting no allocation twice", async () => {
    const config = await writeConfigDir(CONFIG_YAML);
    const created = await runCli(["token", "create", SERVICE], {
      env: {
        TAGROLL_SIGNING_KEYS: SIGNING_KEYS,
        CONSUL_HTTP_ADDR: cluster.consulAddr,
        TAGROLL_CONFIG: config.file,
      },
    }).finally(() => config.remove());
    expect(created.code, created.stderr).toBe(0);
    const token = created.stdout.trim().split("/").pop()!;
    const [instance] = await getJsonFrom<Array<{ Service: { Address: string; Port: number } }>>(
      cluster.consulAddr,
      "/v1/health/service/tagroll?passing",
    );
    const push = {
      push_data: { pushed_at: Math.floor(Date.now() / 1000), pusher: "ci", tag: "v2" },
      repository: { repo_name: `tagroll/${SERVICE}`, namespace: "tagroll", name: SERVICE, status: "Active" },
    };
    const hook = await fetch(`http://${instance!.Service.Address}:${instance!.Service.Port}/hooks/${token}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(push),
    });
    expect(hook.status).toBe(202);

    // Lose the leader's node once the rollout has restarted its first allocation.
    await waitFor(
      "the rollout to restart an allocation",
      async () => {
        const res = await fetch(`${cluster.consulAddr}/v1/kv/tagroll/rollouts/${SERVICE}?raw`);
        if (!res.ok) return undefined;
        const record = (await res.json()) as { value: string; allocs: Array<{ state: string }> };
        return record.value === "v2" && record.allocs.some((a) => a.state === "health");
      },
      { timeoutMs: 90_000, intervalMs: 100 },
    );
    const before = (await leader())!;
    const lost = cluster.nodes.find((n) => n.name === before.node)!;
    expect(lost).toBeDefined();
    const killedAt = Date.now();
    await lost.kill();
    const after = await waitFor(
      "another instance to take the lock",
      async () => {
        const now = await leader().catch(() => undefined);
        return now && now.session !== before.session ? now : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 100 },
    );
    const takeoverMs = Date.now() - killedAt;
    console.log(`leader on ${before.node} lost; ${after.node} leads ${takeoverMs} ms after the kill`);
    expect(after.node).not.toBe(before.node);

    const record = await waitFor(
      "the rollout to finish",
      async () => {
        const res = await fetch(`${cluster.consulAddr}/v1/kv/tagroll/rollouts/${SERVICE}?raw`);
        const r = (await res.json()) as { value: string; status: string; error?: string; allocs: unknown[] };
        return r.value === "v2" && r.status !== "running" ? r : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 250 },
    );
    expect(record.status, JSON.stringify(record, null, 1)).toBe("succeeded");
    await waitForPassing(cluster.consulAddr, SERVICE, 3, 120_000);
    const allocs = await runningAllocsOn(cluster.nomadAddr, SERVICE);
    for (const stub of allocs) {
      const alloc = (await nomad(`/v1/allocation/${stub.ID}`)) as AllocEvents;
      const signals = (alloc.TaskStates?.["app"]?.Events ?? []).filter((e) => e.Type === "Restart Signaled");
      expect(signals.length, `restarts of ${alloc.ID} on ${alloc.NodeName}`).toBeLessThanOrEqual(1);
    }
    await new AgentClient(cluster.consulAddr, cluster.nomadAddr).waitForTag(SERVICE, 3, "v2");
  });
});
