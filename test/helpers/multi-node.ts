import { inject } from "vitest";
import { startMultiNodeCluster, type MultiNodeCluster } from "../../src/agents/multi-node-cluster.js";
import { startHaproxy, type Haproxy } from "../bench/haproxy.js";
import { waitFor } from "./cluster.js";

/**
 * Helpers for tests on their own multi-node loopback cluster (src/agents/multi-node-cluster.ts),
 * started per file next to the shared dev agents of global-setup.ts.
 */
export async function startTestCluster(
  nodes = 2,
  dir?: string,
  options: { eventBufferSize?: number } = {},
): Promise<MultiNodeCluster> {
  return startMultiNodeCluster({
    consulBin: inject("consulBin"),
    nomadBin: inject("nomadBin"),
    nodes,
    ...(dir ? { dir, keepLogs: true } : {}),
    ...options,
    progress: (line) => console.log(`[cluster] ${line}`),
  });
}

export async function getJsonFrom<T>(base: string, path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${base}${path}`, { ...init, signal: init.signal ?? AbortSignal.timeout(15_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? "GET"} ${base}${path}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

export interface NodeAlloc {
  ID: string;
  NodeID: string;
  NodeName: string;
  ClientStatus: string;
  DesiredStatus: string;
}

export async function runningAllocsOn(nomadAddr: string, jobId: string): Promise<NodeAlloc[]> {
  const allocs = await getJsonFrom<NodeAlloc[]>(nomadAddr, `/v1/job/${jobId}/allocations`);
  return allocs.filter((a) => a.DesiredStatus === "run" && a.ClientStatus === "running");
}

/** Instances of `service` that pass every check, as the catalog (any agent) reports them. */
export async function passingInstances(
  consulAddr: string,
  service: string,
): Promise<Array<{ Service: { ID: string; Port: number; Address: string }; Node: { Node: string } }>> {
  return getJsonFrom(consulAddr, `/v1/health/service/${service}?passing`);
}

export async function waitForPassing(
  consulAddr: string,
  service: string,
  count: number,
  timeoutMs = 120_000,
) {
  return waitFor(
    `${count} passing instances of ${service}`,
    async () => {
      const passing = await passingInstances(consulAddr, service);
      return passing.length >= count ? passing : undefined;
    },
    { timeoutMs, intervalMs: 250 },
  );
}

/**
 * HAProxy in front of `service` through the cluster's Consul DNS, retries off (a request sent to
 * an instance that is going away fails instead of being retried elsewhere), once it sees `count`
 * instances up.
 */
export async function haproxyFor(cluster: MultiNodeCluster, service: string, count = 3): Promise<Haproxy> {
  const haproxy = await startHaproxy({
    service,
    consulDnsPort: cluster.consulDnsPort,
    dir: cluster.dir,
    retries: false,
  });
  await waitFor("HAProxy to see every instance", async () => (await haproxy.upServers()) === count);
  return haproxy;
}
