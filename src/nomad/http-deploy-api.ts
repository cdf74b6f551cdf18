import { NotFoundError } from "../core/errors.js";
import type {
  BlockOn,
  DeploymentAllocation,
  Indexed,
  JobJson,
  JobSubmission,
  NomadDeployApi,
  NomadDeployment,
  Registered,
  RegisterOptions,
} from "./deploy-api.js";
import { asJobModified } from "./job-modified-error.js";
import type { NomadScope } from "./nomad-api.js";
import { enc, orUndefined, type NomadHttp } from "./nomad-http.js";

/** How much longer than a blocking query's `wait` its request may take (Nomad adds jitter). */
const BLOCK_SLACK_MS = 15_000;

/** `NomadDeployApi` over Nomad's HTTP API (sharing the coordinator's `NomadHttp`). */
export class HttpNomadDeployApi implements NomadDeployApi {
  constructor(private readonly http: NomadHttp) {}

  async readJob(jobId: string, scope: NomadScope): Promise<JobJson | undefined> {
    return orUndefined(this.http.json<JobJson>(`/v1/job/${enc(jobId)}`, { scope }));
  }

  async jobSubmission(jobId: string, version: number, scope: NomadScope): Promise<JobSubmission | undefined> {
    return orUndefined(
      this.http.json<JobSubmission>(`/v1/job/${enc(jobId)}/submission`, {
        query: { version: String(version) },
        scope,
      }),
    );
  }

  async parseJob(hcl: string, variables: string, scope: NomadScope): Promise<JobJson> {
    return this.http.json<JobJson>("/v1/jobs/parse", {
      method: "POST",
      body: { JobHCL: hcl, Variables: variables, Canonicalize: true },
      scope,
    });
  }

  /** `PreserveCounts`: a scale done since the last `nomad job run` is kept, as tagroll only moves the tag. */
  async registerJob(job: JobJson, options: RegisterOptions, scope: NomadScope): Promise<Registered> {
    const body = {
      Job: job,
      EnforceIndex: true,
      JobModifyIndex: options.enforceIndex,
      PreserveCounts: true,
      ...(options.submission ? { Submission: options.submission } : {}),
    };
    const reply = await this.http
      .json<{ EvalID: string; JobModifyIndex: number }>(`/v1/job/${enc(job.ID)}`, {
        method: "POST",
        body,
        scope: { ...scope, namespace: job.Namespace },
      })
      .catch((error: unknown) => Promise.reject(asJobModified(error)));
    return { evalId: reply.EvalID, jobModifyIndex: reply.JobModifyIndex };
  }

  async jobVersions(jobId: string, scope: NomadScope): Promise<JobJson[]> {
    const reply = await this.http.json<{ Versions: JobJson[] | null }>(`/v1/job/${enc(jobId)}/versions`, {
      scope,
    });
    return [...(reply.Versions ?? [])].sort((a, b) => b.Version - a.Version);
  }

  async revertJob(
    jobId: string,
    version: number,
    priorVersion: number,
    scope: NomadScope,
  ): Promise<Registered> {
    const reply = await this.http
      .json<{ EvalID: string; JobModifyIndex: number }>(`/v1/job/${enc(jobId)}/revert`, {
        method: "POST",
        body: { JobID: jobId, JobVersion: version, EnforcePriorVersion: priorVersion },
        scope,
      })
      .catch((error: unknown) => Promise.reject(asJobModified(error)));
    return { evalId: reply.EvalID, jobModifyIndex: reply.JobModifyIndex };
  }

  async jobDeployments(
    jobId: string,
    scope: NomadScope,
    block?: BlockOn,
  ): Promise<Indexed<NomadDeployment[]>> {
    const reply = await this.indexed<NomadDeployment[] | null>(
      `/v1/job/${enc(jobId)}/deployments`,
      scope,
      block,
    );
    return { value: reply.value ?? [], index: reply.index };
  }

  async deployment(
    id: string,
    scope: NomadScope,
    block?: BlockOn,
  ): Promise<Indexed<NomadDeployment | undefined>> {
    try {
      return await this.indexed<NomadDeployment>(`/v1/deployment/${enc(id)}`, scope, block);
    } catch (error) {
      if (error instanceof NotFoundError) return { value: undefined, index: block?.index ?? 0 };
      throw error;
    }
  }

  async deploymentAllocations(
    id: string,
    scope: NomadScope,
    block?: BlockOn,
  ): Promise<Indexed<DeploymentAllocation[]>> {
    const reply = await this.indexed<DeploymentAllocation[] | null>(
      `/v1/deployment/allocations/${enc(id)}`,
      scope,
      block,
    );
    return { value: reply.value ?? [], index: reply.index };
  }

  async promoteDeployment(id: string, scope: NomadScope): Promise<void> {
    await this.http.json(`/v1/deployment/promote/${enc(id)}`, {
      method: "POST",
      body: { DeploymentID: id, All: true },
      scope,
    });
  }

  /** A GET, blocking on `block.index` when given; the answer with its `X-Nomad-Index`. */
  private async indexed<T>(path: string, scope: NomadScope, block?: BlockOn): Promise<Indexed<T>> {
    const reply = await this.http.request(path, {
      scope,
      ...(block
        ? {
            query: { index: String(block.index), wait: `${block.waitMs}ms` },
            timeoutMs: block.waitMs + BLOCK_SLACK_MS,
          }
        : {}),
    });
    const index = Number(reply.headers.get("x-nomad-index") ?? 0);
    return { value: (reply.body === "" ? undefined : JSON.parse(reply.body)) as T, index };
  }
}
