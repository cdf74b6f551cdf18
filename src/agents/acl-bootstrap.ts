import { randomUUID } from "node:crypto";

/** Management tokens of an ACL-enabled dev cluster (the only way in once ACLs are on). */
export interface ClusterAcl {
  consulManagementToken: string;
  nomadManagementToken: string;
  /** The token the Nomad agent uses towards Consul (policy NOMAD_AGENT_CONSUL_RULES). */
  nomadAgentConsulToken: string;
}

/**
 * Consul's `-hcl` for ACLs on with deny by default. `initial_management` makes the management
 * token known in advance (no bootstrap round trip); the agent uses it for its own node
 * registration and coordinates, which every session and service registration depends on.
 * Persistence is off: a dev agent's tokens must not outlive it.
 */
export function consulAclHcl(managementToken: string): string {
  return (
    `acl { enabled = true default_policy = "deny" enable_token_persistence = false ` +
    `tokens { initial_management = "${managementToken}" agent = "${managementToken}" } }`
  );
}

/**
 * What the Nomad agent (server + client in one) needs from Consul: Nomad's documented minimum for
 * agents (developer.hashicorp.com/nomad/docs/secure/acl/consul) without `acl` and `mesh`, which
 * only workload-identity login and Connect need, plus read on `configs/` because the demo job's
 * templates run with the agent's token (no Consul workload identity configured).
 */
export const NOMAD_AGENT_CONSUL_RULES = `
agent_prefix "" { policy = "read" }
node_prefix "" { policy = "write" }
service_prefix "" { policy = "write" }
key_prefix "configs/" { policy = "read" }
`;

/** Fresh secrets for a cluster about to start; the Nomad agent's Consul token comes later. */
export function newManagementTokens(): Omit<ClusterAcl, "nomadAgentConsulToken"> {
  return { consulManagementToken: randomUUID(), nomadManagementToken: randomUUID() };
}

/** Creates a Consul policy from `rules` and a token holding only it; returns the token's secret. */
export async function createConsulToken(
  consulAddr: string,
  managementToken: string,
  name: string,
  rules: string,
): Promise<string> {
  const headers = { "x-consul-token": managementToken };
  await callJson(`${consulAddr}/v1/acl/policy`, "PUT", headers, { Name: name, Rules: rules });
  const token = (await callJson(`${consulAddr}/v1/acl/token`, "PUT", headers, {
    Description: name,
    Policies: [{ Name: name }],
    Local: false,
  })) as { SecretID: string };
  return token.SecretID;
}

/** Creates (or replaces) a Nomad policy and a client token holding only it; returns its secret. */
export async function createNomadToken(
  nomadAddr: string,
  managementToken: string,
  name: string,
  rules: string,
): Promise<string> {
  const headers = { "x-nomad-token": managementToken };
  await callJson(`${nomadAddr}/v1/acl/policy/${encodeURIComponent(name)}`, "POST", headers, {
    Name: name,
    Rules: rules,
  });
  const token = (await callJson(`${nomadAddr}/v1/acl/token`, "POST", headers, {
    Name: name,
    Type: "client",
    Policies: [name],
  })) as { SecretID: string };
  return token.SecretID;
}

/**
 * Nomad's one-time ACL bootstrap with an operator-chosen secret (Nomad >= 1.4). It fails until the
 * server has a leader, and answers 400 "ACL bootstrap already done" if repeated; a repeat with
 * our own secret still working counts as done.
 */
export async function bootstrapNomadAcl(nomadAddr: string, secret: string): Promise<void> {
  try {
    await callJson(`${nomadAddr}/v1/acl/bootstrap`, "POST", {}, { BootstrapSecret: secret });
  } catch (err) {
    const self = await fetch(`${nomadAddr}/v1/acl/token/self`, {
      headers: { "x-nomad-token": secret },
      signal: AbortSignal.timeout(2_000),
    }).catch(() => undefined);
    if (!self?.ok) throw err;
  }
}

/**
 * Consul creates the initial management token only once it has a leader and has set up ACLs,
 * a moment after /v1/status/leader answers: true once the token reads itself.
 */
export async function consulAclReady(consulAddr: string, managementToken: string): Promise<boolean> {
  const res = await fetch(`${consulAddr}/v1/acl/token/self`, {
    headers: { "x-consul-token": managementToken },
    signal: AbortSignal.timeout(2_000),
  });
  return res.ok;
}

async function callJson(url: string, method: string, headers: Record<string, string>, body: unknown) {
  const res = await fetch(url, {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  // The URL, never the headers: they carry the management token.
  if (!res.ok) throw new Error(`${method} ${url}: HTTP ${res.status}: ${text.slice(0, 300)}`);
  // Nomad's policy upsert answers 200 with an empty body.
  return text === "" ? undefined : (JSON.parse(text) as unknown);
}
