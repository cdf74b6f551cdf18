import type { RedeployField } from "../../config/types.js";
import { ConflictError, NotFoundError, ValidationError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type { JobJson, JobSubmission, NomadDeployApi } from "../../nomad/deploy-api.js";
import { JobModifiedError } from "../../nomad/job-modified-error.js";
import { newestSubmission } from "../../nomad/newest-submission.js";
import type { NomadScope } from "../../nomad/nomad-api.js";
import { carriesMeta, withMetaValue } from "./meta-value.js";
import { variableValue, withVariable } from "./variable-value.js";

/** Register attempts refused because the job changed (EnforceIndex) before tagroll gives up. */
export const MAX_REGISTER_ATTEMPTS = 5;

export interface JobAccess {
  api: NomadDeployApi;
  field: RedeployField;
  jobId: string;
  scope: NomadScope;
  logger: Logger;
}

export interface RegisteredVersion {
  version: number;
  /** False when the job already carried the value: nothing was registered. */
  registered: boolean;
}

/**
 * Whether the job's current version carries `value` in the field: job meta is in the job; a
 * variable is only in the submission stored with that version — undefined when there is none
 * (a version made by a revert or through the API).
 */
export async function carriesValue(a: JobAccess, job: JobJson, value: string): Promise<boolean | undefined> {
  if (a.field.kind === "meta") return carriesMeta(job, a.field.name, value);
  const submission = await a.api.jobSubmission(job.ID, job.Version, a.scope);
  return submission === undefined ? undefined : variableValue(submission, a.field.name) === value;
}

/**
 * Registers the job with the field set to `value`, enforced on the modify index it was read at
 * (Nomad's EnforceIndex), so a concurrent `nomad job run` is never overwritten: when Nomad
 * refuses, the job is read again and the value applied on top of what is there now, at most
 * MAX_REGISTER_ATTEMPTS times; then a ConflictError says so. `beforeRegister` persists the
 * index about to be enforced, so a resumed rollout can tell whether this register landed.
 */
export async function registerValue(
  a: JobAccess,
  value: string,
  beforeRegister: (priorModifyIndex: number) => Promise<void>,
): Promise<RegisteredVersion> {
  let job = await readJob(a);
  for (let attempt = 1; attempt <= MAX_REGISTER_ATTEMPTS; attempt++) {
    if ((await carriesValue(a, job, value)) === true) return { version: job.Version, registered: false };
    const next = await applied(a, job, value);
    await beforeRegister(job.JobModifyIndex);
    try {
      const reply = await a.api.registerJob(
        next.job,
        { enforceIndex: job.JobModifyIndex, ...(next.submission ? { submission: next.submission } : {}) },
        a.scope,
      );
      return { version: await versionAt(a, reply.jobModifyIndex), registered: true };
    } catch (error) {
      if (!(error instanceof JobModifiedError)) throw error;
      a.logger.warn(
        { job: a.jobId, attempt, err: error.message },
        "the job changed since tagroll read it; applying the value on top of the new version",
      );
      job = await readJob(a);
    }
  }
  throw new ConflictError(
    `job ${a.jobId} was changed by someone else ${MAX_REGISTER_ATTEMPTS} times while tagroll registered ` +
      `${a.field.kind}.${a.field.name}=${value}; nothing of theirs was overwritten — retry once it settles`,
  );
}

export async function readJob(a: JobAccess): Promise<JobJson> {
  const job = await a.api.readJob(a.jobId, a.scope);
  if (!job) throw new NotFoundError(`job ${a.jobId} not found in Nomad`);
  return job;
}

/** The job to register: the current job with the meta changed, or the stored source parsed again. */
async function applied(
  a: JobAccess,
  job: JobJson,
  value: string,
): Promise<{ job: JobJson; submission?: JobSubmission }> {
  if (a.field.kind === "meta") return { job: withMetaValue(job, a.field.name, value) };
  const submission = await latestSubmission(a, job);
  const { variables, submission: next } = withVariable(submission, a.field.name, value);
  const parsed = await a.api.parseJob(submission.Source, variables, a.scope);
  if (parsed.ID !== job.ID)
    throw new ValidationError(`the stored source of job ${job.ID} now parses as job ${parsed.ID}`);
  return { job: { ...parsed, Namespace: job.Namespace }, submission: next };
}

/** The submission of the current version, or of the newest version that has one (newestSubmission). */
async function latestSubmission(a: JobAccess, job: JobJson): Promise<JobSubmission> {
  const found = await newestSubmission(a.api, job.ID, job.Version, a.scope);
  if (!found)
    throw new ValidationError(
      `job ${job.ID} has no stored submission (Nomad keeps one from 1.6, for jobs run from HCL): ` +
        `run it once with \`nomad job run -var ${a.field.name}=…\` so tagroll can change the variable`,
    );
  if (found.version !== job.Version)
    a.logger.info(
      { job: job.ID, version: found.version },
      "no submission stored with the current version; using the newest one Nomad kept",
    );
  return found.submission;
}

/** The version a register made, found by the modify index Nomad answered with. */
async function versionAt(a: JobAccess, jobModifyIndex: number): Promise<number> {
  const job = await readJob(a);
  if (job.JobModifyIndex === jobModifyIndex) return job.Version;
  const found = (await a.api.jobVersions(a.jobId, a.scope)).find((v) => v.JobModifyIndex === jobModifyIndex);
  return found?.Version ?? job.Version;
}
