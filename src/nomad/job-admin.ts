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
  Namespace?: string;
}

/**
 * Parses HCL on the agent (`POST /v1/jobs/parse`, so the HCL dialect is exactly the agent's) and
 * registers the result. Invalid HCL → `ValidationError` carrying Nomad's message.
 */
export async function registerJobHcl(
  http: NomadHttp,
  hcl: string,
  scope?: NomadScope,
): Promise<RegisteredJob> {
  const scoped = scope === undefined ? {} : { scope };
  const job = await http.json<ParsedJob>("/v1/jobs/parse", {
    method: "POST",
    body: { JobHCL: hcl, Canonicalize: true },
    ...scoped,
  });
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

/** Stops (and with `purge` removes) a job. Resolves false when there was no such job. */
export async function deregisterJob(
  http: NomadHttp,
  jobId: string,
  purge: boolean,
  scope?: NomadScope,
): Promise<boolean> {
  try {
    await http.text(`/v1/job/${encodeURIComponent(jobId)}`, {
      method: "DELETE",
      query: { purge: String(purge) },
      ...(scope === undefined ? {} : { scope }),
    });
    return true;
  } catch (error) {
    if (error instanceof NotFoundError) return false;
    throw error;
  }
}
