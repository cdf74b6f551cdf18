/**
 * The one place that says which Consul and Nomad the tests and `tagroll dev` run.
 *
 * Both projects keep their v1 module path for 2.x releases, and both build their nested modules
 * (`api`, `sdk`, …) from the same tree through `replace ./api` lines. A wrapper module cannot use
 * those paths, and Go ignores a dependency's `replace`/`exclude` lines, so `localReplacements`
 * restates each nested module at the published version that matches the release.
 *
 * Newest releases the module proxy serves here (checked 2026-11-22): Consul v1.22.7 and Nomad
 * v1.11.3. Nomad v2.0.5 (commit 5c8612bb) is refused by the proxy, so Nomad is below 2.0.3 and
 * jobs need `restart { render_templates = true }` (hashicorp/nomad#8703).
 */
export interface AgentPin {
  name: "consul" | "nomad";
  /** Version reported by `<binary> version`, without the leading v. */
  version: string;
  module: string;
  moduleVersion: string;
  /** Nested module path → version published for this release. */
  localReplacements: Record<string, string>;
}

export const CONSUL_PIN: AgentPin = {
  name: "consul",
  version: "1.22.7",
  module: "github.com/hashicorp/consul",
  moduleVersion: "v1.22.7",
  localReplacements: {
    // The in-tree api of v1.22.7 has fields (ACLToken.Name, TokenNameFormat) that api v1.33.7,
    // the version its go.mod requires, lacks; api v1.34.1 is the tag cut for this release line.
    "github.com/hashicorp/consul/api": "v1.34.1",
    "github.com/hashicorp/consul/envoyextensions": "v0.9.6",
    "github.com/hashicorp/consul/proto-public": "v0.7.4",
    "github.com/hashicorp/consul/sdk": "v0.17.3",
    "github.com/hashicorp/consul/troubleshoot": "v0.8.7",
  },
};

export const NOMAD_PIN: AgentPin = {
  name: "nomad",
  version: "1.11.3",
  module: "github.com/hashicorp/nomad",
  moduleVersion: "v1.11.3",
  localReplacements: {
    // Nomad does not tag its api module; this is the proxy's snapshot nearest after v1.11.3.
    "github.com/hashicorp/nomad/api": "v0.0.0-20260324203407-b27b0c2e019a",
  },
};

export const AGENT_PINS = { consul: CONSUL_PIN, nomad: NOMAD_PIN } as const;
