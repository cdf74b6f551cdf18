import type { NomadApi, NomadScope } from "../../src/nomad/nomad-api.js";

/** One `restartAllocation` call the coordinator made, timed when it was issued. */
export interface RestartCall {
  allocId: string;
  at: number;
}

/**
 * The coordinator's NomadApi with every restart request timed the moment it is issued (before
 * Nomad answers), for the reaction and overhead benchmarks. Everything else passes straight through.
 */
export class TimedRestarts implements NomadApi {
  constructor(
    private readonly inner: NomadApi,
    private readonly calls: RestartCall[],
  ) {}

  restartAllocation(allocId: string, task?: string, scope?: NomadScope): Promise<void> {
    this.calls.push({ allocId, at: Date.now() });
    return this.inner.restartAllocation(allocId, task, scope);
  }

  listJobs: NomadApi["listJobs"] = (scope) => this.inner.listJobs(scope);
  getJob: NomadApi["getJob"] = (jobId, scope) => this.inner.getJob(jobId, scope);
  jobAllocations: NomadApi["jobAllocations"] = (jobId, scope) => this.inner.jobAllocations(jobId, scope);
  getAllocation: NomadApi["getAllocation"] = (allocId, scope) => this.inner.getAllocation(allocId, scope);
  readAllocFile: NomadApi["readAllocFile"] = (allocId, path, scope) =>
    this.inner.readAllocFile(allocId, path, scope);
  allocationChecks: NomadApi["allocationChecks"] = (allocId, scope) =>
    this.inner.allocationChecks(allocId, scope);
  version: NomadApi["version"] = () => this.inner.version();
  ping: NomadApi["ping"] = () => this.inner.ping();
}
