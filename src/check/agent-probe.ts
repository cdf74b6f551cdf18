import type { ConsulConfig } from "../config/types.js";
import { ConsulConnection } from "../kv/consul-connection.js";
import type { NomadApi } from "../nomad/nomad-api.js";

/** What `check` found out about one agent. */
export interface AgentProbe {
  address: string;
  reachable: boolean;
  /** Undefined when the agent could not say (e.g. an ACL token without `agent:read`). */
  version?: string;
  error?: string;
}

/** The two questions check asks each agent. */
export interface Pingable {
  ping(): Promise<boolean>;
  version(): Promise<string>;
}

/** Ping (reachable and has a leader), then version; never throws. */
export async function probeAgent(agent: Pingable, address: string): Promise<AgentProbe> {
  try {
    if (!(await agent.ping())) {
      return { address, reachable: false, error: "no answer, or the cluster has no leader" };
    }
  } catch (err) {
    return { address, reachable: false, error: (err as Error).message };
  }
  try {
    return { address, reachable: true, version: await agent.version() };
  } catch (err) {
    return { address, reachable: true, error: `version unknown: ${(err as Error).message}` };
  }
}

/**
 * Where an allocation's Consul services are registered, against the agent tagroll talks to:
 * Consul maintenance works only on the registering agent (hashicorp/consul#1105).
 */
export interface DrainProbe {
  /** Node name of the Consul agent tagroll talks to. */
  agentNode(): Promise<string>;
  /** Nodes whose agents registered the allocation's Consul services. */
  allocNodes(allocId: string): Promise<string[]>;
}

/** Consul's leader and version over the same client (and TLS/token settings) tagroll uses. */
export class ConsulAgentInfo implements Pingable, DrainProbe {
  private readonly conn: ConsulConnection;

  constructor(config: ConsulConfig) {
    this.conn = new ConsulConnection(config, { requestTimeoutMs: 10_000 });
  }

  async ping(): Promise<boolean> {
    const leader = await this.conn.call("status.leader", (c) => c.status.leader());
    return typeof leader === "string" && leader.length > 0;
  }

  async version(): Promise<string> {
    const version = (await this.self()).Config?.Version;
    if (!version) throw new Error("no version in /v1/agent/self");
    return version;
  }

  async agentNode(): Promise<string> {
    const node = (await this.self()).Config?.NodeName;
    if (!node) throw new Error("no node name in /v1/agent/self");
    return node;
  }

  async allocNodes(allocId: string): Promise<string[]> {
    if (!/^[0-9a-f-]{36}$/.test(allocId)) throw new Error(`not a Nomad allocation ID: ${allocId}`);
    const filter = `ServiceID matches "^_nomad-task-${allocId}-"`;
    const checks = await this.conn.call(`health.state alloc ${allocId}`, (c) =>
      c.health.state({ state: "any", filter }),
    );
    return [...new Set(checks.map((check) => (check as { Node?: string }).Node ?? ""))].filter(Boolean);
  }

  private async self(): Promise<{ Config?: { Version?: string; NodeName?: string } }> {
    // `agent.self` exists in the consul client but not in the slice of it kv/consul-raw.ts types.
    return (await this.conn.call("agent.self", (c) =>
      (c as unknown as { agent: { self(): Promise<unknown> } }).agent.self(),
    )) as { Config?: { Version?: string; NodeName?: string } };
  }

  close(): void {
    this.conn.close();
  }
}

export function nomadPingable(nomad: NomadApi): Pingable {
  return { ping: () => nomad.ping(), version: () => nomad.version() };
}
