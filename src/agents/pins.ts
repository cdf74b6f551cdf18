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
  version: "1.14.8",
  module: "github.com/hashicorp/consul",
  moduleVersion: "v1.14.8",
  localReplacements: {
    // The release's go.mod requires api v1.18.0, which does not compile against the v1.14.8 tree;
    // v1.18.1 is the api tag cut with it. sdk and proto-public are the versions its go.mod names.
    "github.com/hashicorp/consul/api": "v1.18.1",
    "github.com/hashicorp/consul/proto-public": "v0.2.1",
    "github.com/hashicorp/consul/sdk": "v0.13.0",
  },
};

export const NOMAD_PIN: AgentPin = {
  name: "nomad",
  version: "1.6.3",
  module: "github.com/hashicorp/nomad",
  moduleVersion: "v1.6.3",
  localReplacements: {
    // Nomad does not tag its api module; this pseudo-version is the v1.6.3 tag's own commit.
    "github.com/hashicorp/nomad/api": "v0.0.0-20231030125810-e0497bff1437",
  },
};

export const AGENT_PINS = { consul: CONSUL_PIN, nomad: NOMAD_PIN } as const;
