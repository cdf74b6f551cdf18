import { NotFoundError } from "../core/errors.js";
import type { NomadScope } from "./nomad-api.js";
import type { NomadHttp } from "./nomad-http.js";

/**
 * Registering and removing whole jobs: not something the coordinator ever does (it only restarts
 * allocations), but `tagroll dev` registers its demo job and the tests register theirs.
 */

export interface RegisteredJob {
  jobId: string;
  namespace: string;
  evalId: string;
  jobModifyIndex: number;
  warnings: string;
}

interface ParsedJob {
  ID: string;
  Name: string;
  Namespace?: string;
}

export interface RegisterJobOptions {
  /** Values for the file's `variable` blocks, as `-var name=value` would give them. */
  variables?: Record<string, string | number | boolean>;
  /** Register under this ID (and Name) instead of the one in the HCL, e.g. one per test. */
  jobId?: string;
  scope?: NomadScope;
}

/**
 * Parses HCL on the agent (`POST /v1/jobs/parse`, so the HCL dialect is exactly the agent's) and
 * registers the result. Invalid HCL → `ValidationError` carrying Nomad's message.
 */
export async function registerJobHcl(
  http: NomadHttp,
  hcl: string,
  options: RegisterJobOptions = {},
): Promise<RegisteredJob> {
  const { scope, variables = {} } = options;
  const scoped = scope === undefined ? {} : { scope };
  // Nomad takes variables as HCL assignments; JSON string/number/bool literals are valid HCL.
  const Variables = Object.entries(variables)
    .map(([name, value]) => `${name} = ${JSON.stringify(value)}`)
    .join("\n");
  const parsed = await http.json<ParsedJob>("/v1/jobs/parse", {
    method: "POST",
    body: { JobHCL: hcl, Variables, Canonicalize: true },
    ...scoped,
  });
  const job = options.jobId === undefined ? parsed : { ...parsed, ID: options.jobId, Name: options.jobId };
  // The job's own namespace wins over the default one, as with `nomad job run`.
  const namespace = job.Namespace ?? scope?.namespace ?? "default";
  const reply = await http.json<{ EvalID: string; JobModifyIndex: number; Warnings?: string }>("/v1/jobs", {
    method: "POST",
    body: { Job: job },
    scope: { ...scope, namespace },
  });
  return {
    jobId: job.ID,
    namespace,
    evalId: reply.EvalID,
    jobModifyIndex: reply.JobModifyIndex,
    warnings: reply.Warnings ?? "",
  };
}

/**
 * Stops (and with `purge` removes) a job. Resolves false when there was no such job: Nomad
 * answers that with 200 and an empty reply (no evaluation, JobModifyIndex 0) rather than a 404.
 */
export async function deregisterJob(
  http: NomadHttp,
  jobId: string,
  purge: boolean,
  scope?: NomadScope,
): Promise<boolean> {
  try {
    const reply = await http.json<{ EvalID?: string; JobModifyIndex?: number }>(
      `/v1/job/${encodeURIComponent(jobId)}`,
      { method: "DELETE", query: { purge: String(purge) }, ...(scope === undefined ? {} : { scope }) },
    );
    return Boolean(reply.EvalID) || (reply.JobModifyIndex ?? 0) > 0;
  } catch (error) {
    if (error instanceof NotFoundError) return false;
    throw error;
  }
}
