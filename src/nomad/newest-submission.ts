import type { JobSubmission, NomadDeployApi } from "./deploy-api.js";
import type { NomadScope } from "./nomad-api.js";

/** How far back a job's stored submission is looked for. */
const LOOKBACK = 20;

/**
 * The submission stored with `version`, else with the newest older version that has one: a
 * revert (`/v1/job/:id/revert`, nomad/job_endpoint.go `Revert`) registers an older version again
 * without storing its source, and neither does a register through the API without one.
 */
export async function newestSubmission(
  api: Pick<NomadDeployApi, "jobSubmission">,
  jobId: string,
  version: number,
  scope: NomadScope,
): Promise<{ submission: JobSubmission; version: number } | undefined> {
  for (let v = version; v >= Math.max(0, version - LOOKBACK); v--) {
    const submission = await api.jobSubmission(jobId, v, scope);
    if (submission) return { submission, version: v };
  }
  return undefined;
}
