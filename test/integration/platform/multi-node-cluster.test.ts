import { readFile, readdir } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MultiNodeCluster } from "../../../src/agents/multi-node-cluster.js";
import { registerDemoJob } from "../../../src/demo/demo-job.js";
import { waitFor } from "../../helpers/cluster.js";
import { getJsonFrom, runningAllocsOn, startTestCluster, waitForPassing } from "../../helpers/multi-node.js";

/** PIDs of the processes whose command line or environment names `dir`. */
async function processesUnder(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const texts = await Promise.all(
      ["cmdline", "environ"].map((f) => readFile(`/proc/${name}/${f}`, "utf8").catch(() => "")),
    );
    if (texts.some((t) => t.includes(dir))) pids.push(Number(name));
  }
  return pids;
}

/**
 * The multi-node loopback cluster (src/agents/multi-node-cluster.ts): servers on 127.0.0.1, a
 * Consul client agent and a Nomad client per node on 127.0.0.2…, each Nomad client registering
 * its services with its own Consul agent — the topology on which a drain through tagroll's own
 * Consul agent cannot work.
 */
describe("multi-node loopback cluster", () => {
  let cluster: MultiNodeCluster;
  const service = "mn-demo";

  beforeAll(async () => {
    cluster = await startTestCluster(2);
    await fetch(`${cluster.consulAddr}/v1/kv/configs/${service}/IMAGE_TAG`, { method: "PUT", body: "v1" });
    await registerDemoJob(cluster.nomadAddr, { service, count: 3 });
    await waitForPassing(cluster.consulAddr, service, 3);
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it("has one Consul server, a Consul client agent per node and a Nomad client per node", async () => {
    const members = await getJsonFrom<
      Array<{ Name: string; Addr: string; Status: number; Tags: { role: string } }>
    >(cluster.consulAddr, "/v1/agent/members");
    const alive = members.filter((m) => m.Status === 1).map((m) => `${m.Name}@${m.Addr}:${m.Tags.role}`);
    expect(alive.sort()).toEqual([
      "consul-server@127.0.0.1:consul",
      "node-1@127.0.0.2:node",
      "node-2@127.0.0.3:node",
    ]);
    const nodes = await getJsonFrom<Array<{ Name: string; Address: string; Status: string }>>(
      cluster.nomadAddr,
      "/v1/nodes",
    );
    expect(nodes.map((n) => `${n.Name}@${n.Address}:${n.Status}`).sort()).toEqual([
      "node-1@127.0.0.2:ready",
      "node-2@127.0.0.3:ready",
    ]);
  });

  it("spreads the demo job over both nodes, each instance registered with its own node's agent", async () => {
    const allocs = await runningAllocsOn(cluster.nomadAddr, service);
    expect(new Set(allocs.map((a) => a.NodeName))).toEqual(new Set(["node-1", "node-2"]));
    const serverServices = await getJsonFrom<Record<string, unknown>>(
      cluster.consulAddr,
      "/v1/agent/services",
    );
    expect(Object.keys(serverServices).filter((id) => id.startsWith("_nomad-task-"))).toEqual([]);
    for (const node of cluster.nodes) {
      const local = await getJsonFrom<Record<string, { Service: string }>>(
        node.consulAddr,
        "/v1/agent/services",
      );
      const ids = Object.keys(local).filter((id) => local[id]?.Service === service);
      const onNode = allocs.filter((a) => a.NodeName === node.name);
      expect(ids).toHaveLength(onNode.length);
      for (const a of onNode) expect(ids.some((id) => id.startsWith(`_nomad-task-${a.ID}-`))).toBe(true);
    }
  });

  it("answers a maintenance request for a service on another node with 404 (hashicorp/consul#1105)", async () => {
    const passing = await waitForPassing(cluster.consulAddr, service, 3);
    const id = passing[0]!.Service.ID;
    const res = await fetch(
      `${cluster.consulAddr}/v1/agent/service/maintenance/${encodeURIComponent(id)}?enable=true`,
      { method: "PUT", signal: AbortSignal.timeout(5_000) },
    );
    expect(res.status).toBe(404);
    expect(await res.text()).toMatch(/Unknown service/i);
  });

  it("loses a node as a crash would: its tasks stop and Nomad marks it down", async () => {
    const node = cluster.nodes[1]!;
    await node.kill();
    expect(node.running()).toBe(false);
    expect(await processesUnder(`${cluster.dir}/${node.name}-nomad-data`)).toEqual([]);
    await waitFor(
      `${node.name} to be marked down`,
      async () => {
        const nodes = await getJsonFrom<Array<{ Name: string; Status: string }>>(
          cluster.nomadAddr,
          "/v1/nodes",
        );
        return nodes.find((n) => n.Name === node.name)?.Status === "down" || undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
  });

  it("leaves no process and no mount behind when stopped", async () => {
    await cluster.stop();
    expect(await processesUnder(cluster.dir)).toEqual([]);
    const mounts = await readFile("/proc/mounts", "utf8");
    expect(mounts.split("\n").filter((l) => l.includes(cluster.dir))).toEqual([]);
  });
});
