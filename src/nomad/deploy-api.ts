import type { NomadScope } from "./nomad-api.js";

/**
 * The part of Nomad's HTTP API the redeploy strategy uses (README, "Three ways a job takes its
 * tag"): re-registering a job with `EnforceIndex`, its stored submission, its deployments and
 * their allocations (with blocking queries), promotion and revert. Kept apart from `NomadApi`,
 * which only reads jobs and restarts allocations. Shapes keep Nomad's PascalCase; a job is kept
 * whole (`JobJson`) because it is sent back to Nomad as it came.
 */

/** A job as `GET /v1/job/:id` returns it: every field kept, the ones tagroll reads typed. */
export interface JobJson {
  ID: string;
  Namespace: string;
  Type?: string;
  Version: number;
  JobModifyIndex: number;
  Stable?: boolean;
  Meta?: Record<string, string> | null;
  Update?: { AutoRevert?: boolean } | null;
  TaskGroups: Array<{
    Name: string;
    Meta?: Record<string, string> | null;
    Update?: { MaxParallel?: number; AutoRevert?: boolean; Canary?: number; AutoPromote?: boolean } | null;
    Tasks: Array<{ Name: string; Meta?: Record<string, string> | null }>;
  }>;
  [field: string]: unknown;
}

/** `GET /v1/job/:id/submission?version=N` (Nomad ≥ 1.6): the source `nomad job run` sent. */
export interface JobSubmission {
  Source: string;
  /** `hcl2`, `hcl1` or `json`. */
  Format: string;
  /** The `-var name=value` flags, as given. */
  VariableFlags?: Record<string, string> | null;
  /** The contents of the `-var-file`s, as given. */
  Variables?: string;
}

export interface DeploymentGroupState {
  AutoRevert: boolean;
  AutoPromote: boolean;
  Promoted: boolean;
  DesiredCanaries: number;
  DesiredTotal: number;
  PlacedAllocs: number;
  HealthyAllocs: number;
  UnhealthyAllocs: number;
  PlacedCanaries?: string[] | null;
}

export interface NomadDeployment {
  ID: string;
  JobID: string;
  Namespace: string;
  JobVersion: number;
  JobModifyIndex: number;
  /** running, paused, successful, failed, cancelled, pending, blocked, unblocking, initializing. */
  Status: string;
  StatusDescription: string;
  TaskGroups: Record<string, DeploymentGroupState> | null;
  ModifyIndex: number;
}

/** An allocation stub of a deployment, with the health Nomad's deployment watcher gave it. */
export interface DeploymentAllocation {
  ID: string;
  Name: string;
  TaskGroup: string;
  JobVersion: number;
  ClientStatus: string;
  DesiredStatus: string;
  DeploymentStatus?: { Healthy?: boolean | null; Canary?: boolean } | null;
  ModifyIndex: number;
}

/** A read with Nomad's `X-Nomad-Index`, to block on the next change (`?index=…&wait=…`). */
export interface Indexed<T> {
  value: T;
  index: number;
}

/** `?index=` and `?wait=` of a blocking query. */
export interface BlockOn {
  index: number;
  waitMs: number;
}

export interface Registered {
  evalId: string;
  jobModifyIndex: number;
}

export interface RegisterOptions {
  /** Register only if the job's modify index is still this one (Nomad's EnforceIndex). */
  enforceIndex: number;
  /** Stored with the new version, as `nomad job run` stores the source it ran. */
  submission?: JobSubmission;
}

export interface NomadDeployApi {
  /** Undefined when the job does not exist. */
  readJob(jobId: string, scope: NomadScope): Promise<JobJson | undefined>;
  /** Undefined when Nomad keeps no submission for that version (API-registered, reverted, old). */
  jobSubmission(jobId: string, version: number, scope: NomadScope): Promise<JobSubmission | undefined>;
  /** Parses HCL2 on the agent; `variables` is read as a variables file. */
  parseJob(hcl: string, variables: string, scope: NomadScope): Promise<JobJson>;
  /** Throws `JobModifiedError` when the job changed since `enforceIndex`. */
  registerJob(job: JobJson, options: RegisterOptions, scope: NomadScope): Promise<Registered>;
  /** Every kept version, newest first. */
  jobVersions(jobId: string, scope: NomadScope): Promise<JobJson[]>;
  /** Reverts to `version`, only while the job is still at `priorVersion` (else `JobModifiedError`). */
  revertJob(jobId: string, version: number, priorVersion: number, scope: NomadScope): Promise<Registered>;
  jobDeployments(jobId: string, scope: NomadScope, block?: BlockOn): Promise<Indexed<NomadDeployment[]>>;
  deployment(id: string, scope: NomadScope, block?: BlockOn): Promise<Indexed<NomadDeployment | undefined>>;
  deploymentAllocations(
    id: string,
    scope: NomadScope,
    block?: BlockOn,
  ): Promise<Indexed<DeploymentAllocation[]>>;
  /** Promotes every canary group of the deployment. */
  promoteDeployment(id: string, scope: NomadScope): Promise<void>;
}
