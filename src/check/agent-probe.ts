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

/** Consul's leader and version over the same client (and TLS/token settings) tagroll uses. */
export class ConsulAgentInfo implements Pingable {
  private readonly conn: ConsulConnection;

  constructor(config: ConsulConfig) {
    this.conn = new ConsulConnection(config, { requestTimeoutMs: 10_000 });
  }

  async ping(): Promise<boolean> {
    const leader = await this.conn.call("status.leader", (c) => c.status.leader());
    return typeof leader === "string" && leader.length > 0;
  }

  async version(): Promise<string> {
    // `agent.self` exists in the consul client but not in the slice of it kv/consul-raw.ts types.
    const self = (await this.conn.call("agent.self", (c) =>
      (c as unknown as { agent: { self(): Promise<unknown> } }).agent.self(),
    )) as { Config?: { Version?: string } };
    const version = self.Config?.Version;
    if (!version) throw new Error("no version in /v1/agent/self");
    return version;
  }

  close(): void {
    this.conn.close();
  }
}

export function nomadPingable(nomad: NomadApi): Pingable {
  return { ping: () => nomad.ping(), version: () => nomad.version() };
}
