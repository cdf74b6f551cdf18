import type { NomadJob, NomadUpdateStrategy } from "../../../../src/nomad/nomad-api.js";

export interface FakeJobSpec {
  id: string;
  /** Service name: KV folder `configs/<service>/`. */
  service: string;
  count: number;
  group?: string;
  update?: NomadUpdateStrategy;
  /** Where health comes from: a Consul-registered check, a Nomad-native check, or none. */
  checks?: "consul" | "nomad" | "none";
  /** `restart { render_templates = ... }`; default true like the documented job. */
  renderTemplates?: boolean;
  meta?: Record<string, string>;
  /** Task `shutdown_delay` in ns; default 2 s like the demo job. */
  shutdownDelay?: number;
}

export const SECOND_NS = 1_000_000_000;

/** The demo job's shape as Nomad's API returns it (canonicalised). */
export function buildJob(spec: FakeJobSpec): NomadJob {
  const checks = spec.checks ?? "consul";
  const services =
    checks === "none"
      ? []
      : [{ Name: spec.service, Provider: checks, PortLabel: "http", Checks: [{ Type: "http" }] }];
  return {
    ID: spec.id,
    Name: spec.id,
    Namespace: "default",
    Type: "service",
    Status: "running",
    Meta: spec.meta ?? null,
    TaskGroups: [
      {
        Name: spec.group ?? "app",
        Count: spec.count,
        Update: spec.update ?? {
          MaxParallel: 1,
          MinHealthyTime: 2 * SECOND_NS,
          HealthyDeadline: 60 * SECOND_NS,
        },
        RestartPolicy: { RenderTemplates: spec.renderTemplates ?? true },
        Tasks: [
          {
            Name: "app",
            Driver: "raw_exec",
            ShutdownDelay: spec.shutdownDelay ?? 2 * SECOND_NS,
            Templates: [
              {
                DestPath: "local/env",
                EmbeddedTmpl: `{{ range ls "configs/${spec.service}" }}{{ .Key }}={{ .Value }}\n{{ end }}`,
                Envvars: true,
                ChangeMode: "noop",
              },
            ],
            Services: services,
          },
        ],
      },
    ],
    Version: 0,
    JobModifyIndex: 1,
  };
}
