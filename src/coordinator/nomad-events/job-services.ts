import type { ServiceConfig } from "../../config/types.js";
import type { NomadJobStub } from "../../nomad/nomad-api.js";
import { OPT_IN_META } from "../targets/index.js";
import type { NomadEvent } from "./event-frames.js";
import { jobKey, optInOfEvent } from "./event-jobs.js";

/**
 * Which services a job belongs to, the way `resolveTargets` (src/coordinator/targets/targets.ts)
 * finds them: the jobs a service lists in the config, plus every job whose meta opts in with
 * `tagroll_service`. The config part is fixed; the opt-ins come from one job listing when the
 * stream starts and are kept current by the stream's own Job events (their payload is the job).
 */
export class JobServices {
  private readonly listed = new Map<string, Set<string>>();
  private readonly optedIn = new Map<string, string>();
  private readonly names: Set<string>;

  constructor(services: readonly ServiceConfig[], defaultNamespace: string | undefined) {
    this.names = new Set(services.map((s) => s.name));
    for (const service of services) {
      for (const job of service.jobs) {
        const key = jobKey(job.namespace ?? defaultNamespace ?? "default", job.id);
        this.listed.set(key, new Set([...(this.listed.get(key) ?? []), service.name]));
      }
    }
  }

  /** Opt-ins from a job listing (`/v1/jobs?meta=true`, every namespace). */
  seed(stubs: readonly NomadJobStub[]): void {
    for (const stub of stubs) this.setOptIn(jobKey(stub.Namespace, stub.ID), stub.Meta?.[OPT_IN_META]);
  }

  /** Keeps the opt-ins current from a Job event; other events change nothing. */
  learn(event: NomadEvent): void {
    const optIn = optInOfEvent(event, OPT_IN_META);
    if (optIn) this.setOptIn(optIn.job, optIn.service);
  }

  /** The configured services the job `<namespace>/<id>` is a target of. */
  servicesOf(job: string): string[] {
    const services = new Set(this.listed.get(job));
    const optedIn = this.optedIn.get(job);
    if (optedIn !== undefined) services.add(optedIn);
    return [...services];
  }

  private setOptIn(job: string, service: string | undefined): void {
    if (service !== undefined && this.names.has(service)) this.optedIn.set(job, service);
    else this.optedIn.delete(job);
  }
}
