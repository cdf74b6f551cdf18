import type { ServiceConfig, TagrollConfig } from "../../../../src/config/types.js";
import { UpstreamUnavailableError } from "../../../../src/core/errors.js";
import { serviceConfig, tagrollConfig } from "../../coordinator/fakes/harness.js";
import type { NomadApi, NomadJob, NomadTaskGroup, NomadTemplate } from "../../../../src/nomad/nomad-api.js";

/** A configured service (the coordinator tests' builder) with these jobs listed. */
export function service(name: string, jobs: ServiceConfig["jobs"] = []): ServiceConfig {
  return { ...serviceConfig(name), jobs };
}

export function config(services: ServiceConfig[]): TagrollConfig {
  return tagrollConfig(services);
}

export interface JobSpec {
  id: string;
  /** Service whose key the template renders (and meta opt-in, unless `optIn` is false). */
  service: string;
  changeMode?: string;
  renderTemplates?: boolean;
  checks?: boolean;
  /** Where the service is declared: "group" (the contract, with a group shutdown_delay) or "task". */
  serviceAt?: "group" | "task";
  /** Group shutdown_delay in seconds; default 5. */
  shutdownDelay?: number;
  /** A template that renders something else instead of the service's key. */
  otherTemplate?: boolean;
  optIn?: boolean;
  type?: string;
}

/** A job shaped like Nomad's canonical JSON, following the documented contract unless told not to. */
export function job(spec: JobSpec): NomadJob {
  const template: NomadTemplate = {
    DestPath: "local/env",
    EmbeddedTmpl: spec.otherTemplate
      ? '{{ key "configs/other/SETTING" }}'
      : `{{ range ls "configs/${spec.service}" }}{{ .Key }}={{ .Value }}\n{{ end }}`,
    Envvars: true,
    ChangeMode: spec.changeMode ?? "noop",
  };
  const checks = spec.checks === false ? [] : [{ Type: "http" }];
  const svc = { Name: spec.service, Provider: "consul", PortLabel: "http", Checks: checks };
  const group: NomadTaskGroup = {
    Name: "app",
    Count: 3,
    RestartPolicy: { RenderTemplates: spec.renderTemplates ?? true },
    Services: spec.serviceAt === "task" ? null : [svc],
    ShutdownDelay: (spec.shutdownDelay ?? 5) * 1e9,
    Tasks: [
      {
        Name: "app",
        Driver: "docker",
        Templates: [template],
        Services: spec.serviceAt === "task" ? [svc] : null,
        RestartPolicy: { RenderTemplates: spec.renderTemplates ?? true },
      },
    ],
  };
  return {
    ID: spec.id,
    Name: spec.id,
    Namespace: "default",
    Type: spec.type ?? "service",
    Status: "running",
    Meta: spec.optIn === false ? null : { tagroll_service: spec.service },
    TaskGroups: [group],
    Version: 0,
    JobModifyIndex: 1,
  };
}

/** Just enough Nomad for check: jobs by id, stubs with Meta, a version; the rest is not called. */
export class JobsOnlyNomad implements NomadApi {
  unreachable = false;
  constructor(
    private readonly jobs: NomadJob[],
    private readonly agentVersion = "1.11.3",
  ) {}
  async listJobs() {
    this.guard();
    return this.jobs.map((j) => ({
      ID: j.ID,
      Namespace: j.Namespace,
      Status: j.Status,
      Meta: j.Meta ?? null,
    }));
  }
  async getJob(id: string) {
    this.guard();
    return this.jobs.find((j) => j.ID === id);
  }
  async version() {
    this.guard();
    return this.agentVersion;
  }
  async ping() {
    return !this.unreachable;
  }
  jobAllocations(): never {
    throw new Error("not used by check");
  }
  getAllocation(): never {
    throw new Error("not used by check");
  }
  restartAllocation(): never {
    throw new Error("check must never restart anything");
  }
  readAllocFile(): never {
    throw new Error("not used by check");
  }
  allocationChecks(): never {
    throw new Error("not used by check");
  }
  private guard() {
    if (this.unreachable)
      throw new UpstreamUnavailableError("nomad", "Nomad at http://127.0.0.1:4646: connection refused");
  }
}
