/**
 * The one place that says which Consul and Nomad the tests and `tagroll dev` run.
 *
 * Both are the newest open-source (MPL-2.0) releases: Nomad 1.7 and Consul 1.17 moved to the
 * BUSL, and Consul 1.15–1.16 need the `envoyextensions` and `troubleshoot` modules, which this
 * project does not build. Users with newer agents point `CONSUL_BIN`/`NOMAD_BIN` at them or put
 * them on PATH (README, "Consul and Nomad binaries").
 *
 * Both projects build their nested modules (`api`, `sdk`, …) from the same tree through
 * `replace ./api` lines. A wrapper module cannot use those paths, and Go ignores a dependency's
 * `replace`/`exclude` lines, so `localReplacements` restates each nested module at the published
 * version that matches the release.
 *
 * Nomad 1.6.3 reuses a noop template's first render on restart (hashicorp/nomad#8703), so jobs
 * need `restart { render_templates = true }`.
 */
export interface AgentPin {
  name: "consul" | "nomad";
  /** Version reported by `<binary> version`, without the leading v. */
  version: string;
  /** SPDX identifier of the release's licence; `tagroll agents install` prints it. */
  licence: string;
  module: string;
  moduleVersion: string;
  /** Nested module path → version published for this release. */
  localReplacements: Record<string, string>;
}

export const CONSUL_PIN: AgentPin = {
  name: "consul",
  version: "1.14.8",
  licence: "MPL-2.0",
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
  licence: "MPL-2.0",
  module: "github.com/hashicorp/nomad",
  moduleVersion: "v1.6.3",
  localReplacements: {
    // Nomad does not tag its api module; this pseudo-version is the v1.6.3 tag's own commit.
    "github.com/hashicorp/nomad/api": "v0.0.0-20231030125810-e0497bff1437",
  },
};

export const AGENT_PINS = { consul: CONSUL_PIN, nomad: NOMAD_PIN } as const;
