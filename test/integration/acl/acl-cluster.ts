import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { inject } from "vitest";
import { createConsulToken, createNomadToken } from "../../../src/agents/acl-bootstrap.js";
import { startDevCluster, type DevCluster } from "../../../src/agents/dev-cluster.js";
import { waitFor } from "../../helpers/cluster.js";

/**
 * A private Consul + Nomad pair with ACLs on (deny by default) and tokens holding only the
 * policies shipped in deploy/acl/. test/helpers/cluster.ts talks to the shared, ACL-free agents
 * without tokens; these helpers say which token each request carries.
 */

const POLICY_DIR = new URL("../../../deploy/acl/", import.meta.url);

export interface AclCluster {
  cluster: DevCluster;
  consul: AgentClient;
  nomad: AgentClient;
  /** Secrets of tokens holding only deploy/acl/consul-tagroll.hcl and nomad-tagroll.hcl. */
  tagroll: { consulToken: string; nomadToken: string };
  management: { consulToken: string; nomadToken: string };
}

export async function startAclCluster(): Promise<AclCluster> {
  const dir = join(process.cwd(), "test-artifacts", "acl", `${Date.now()}`);
  await mkdir(dir, { recursive: true });
  const cluster = await startDevCluster({
    consulBin: inject("consulBin"),
    nomadBin: inject("nomadBin"),
    dir,
    keepLogs: true,
    acls: true,
  });
  try {
    const acl = cluster.acl;
    if (!acl) throw new Error("startDevCluster({ acls: true }) returned no management tokens");
    const rules = (file: string) => readFile(new URL(file, POLICY_DIR), "utf8");
    const consulToken = await createConsulToken(
      cluster.consulAddr,
      acl.consulManagementToken,
      "tagroll",
      await rules("consul-tagroll.hcl"),
    );
    const nomadToken = await createNomadToken(
      cluster.nomadAddr,
      acl.nomadManagementToken,
      "tagroll",
      await rules("nomad-tagroll.hcl"),
    );
    return {
      cluster,
      consul: new AgentClient(cluster.consulAddr, "x-consul-token"),
      nomad: new AgentClient(cluster.nomadAddr, "x-nomad-token"),
      tagroll: { consulToken, nomadToken },
      management: { consulToken: acl.consulManagementToken, nomadToken: acl.nomadManagementToken },
    };
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}

/** Plain HTTP to one agent with an explicit token per request; answers status and text. */
export class AgentClient {
  constructor(
    readonly addr: string,
    private readonly header: string,
  ) {}

  async call(
    token: string,
    method: string,
    path: string,
    body?: string,
  ): Promise<{ status: number; text: string }> {
    const res = await fetch(`${this.addr}${path}`, {
      method,
      headers: { [this.header]: token },
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(15_000),
    });
    return { status: res.status, text: await res.text() };
  }

  async json<T>(token: string, path: string): Promise<T> {
    const { status, text } = await this.call(token, "GET", path);
    if (status !== 200) throw new Error(`GET ${path}: ${status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  }
}

interface Alloc {
  ID: string;
  ClientStatus: string;
  DesiredStatus: string;
  TaskStates: Record<string, { Restarts: number }> | null;
}

/** Running allocations of `jobId` whose Consul checks all pass, once there are `count`. */
export async function waitForHealthy(c: AclCluster, jobId: string, count: number): Promise<Alloc[]> {
  const { consulToken, nomadToken } = c.management;
  return waitFor(
    `${count} healthy allocations of ${jobId}`,
    async () => {
      const allocs = (await c.nomad.json<Alloc[]>(nomadToken, `/v1/job/${jobId}/allocations`)).filter(
        (a) => a.DesiredStatus === "run" && a.ClientStatus === "running",
      );
      if (allocs.length !== count) return undefined;
      for (const alloc of allocs) {
        const filter = encodeURIComponent(`ServiceID matches "^_nomad-task-${alloc.ID}-"`);
        const checks = await c.consul.json<Array<{ Status: string }>>(
          consulToken,
          `/v1/health/state/any?filter=${filter}`,
        );
        if (checks.length === 0 || checks.some((check) => check.Status !== "passing")) return undefined;
      }
      return allocs;
    },
    { timeoutMs: 120_000, intervalMs: 500 },
  );
}

/**
 * What `token` gets back for every file in a task's secrets directory. Files are listed first
 * because Nomad stats a path before its secrets check: a missing file proves nothing. Nomad
 * 1.11.3 sends fs/cat errors with status 200, so the bodies are what tell.
 */
export async function readSecrets(
  c: AclCluster,
  token: string,
  allocId: string,
  task: string,
): Promise<string[]> {
  const dir = `${task}/secrets`;
  const entries = await c.nomad.json<Array<{ Name: string; IsDir: boolean }>>(
    token,
    `/v1/client/fs/ls/${allocId}?path=${encodeURIComponent(dir)}`,
  );
  const bodies: string[] = [];
  for (const entry of entries.filter((e) => !e.IsDir)) {
    const path = encodeURIComponent(`${dir}/${entry.Name}`);
    bodies.push((await c.nomad.call(token, "GET", `/v1/client/fs/cat/${allocId}?path=${path}`)).text);
  }
  return bodies;
}
