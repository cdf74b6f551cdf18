/**
 * The subset of Nomad's HTTP API tagroll uses. Field names keep Nomad's own PascalCase so the
 * real client (`http-nomad-api.ts`) is a thin pass-through. Durations are nanoseconds, as in Nomad.
 * Every method throws `UpstreamUnavailableError` when Nomad cannot be reached.
 */

export interface NomadTaskEvent {
  Type: string;
  Time: number;
  DisplayMessage?: string;
}

export interface NomadTaskState {
  State: "pending" | "running" | "dead";
  Failed: boolean;
  Restarts: number;
  LastRestart: string | null;
  StartedAt: string | null;
  FinishedAt: string | null;
  Events: NomadTaskEvent[] | null;
}

export interface NomadAllocation {
  ID: string;
  Name: string;
  Namespace: string;
  NodeID: string;
  JobID: string;
  JobVersion: number;
  TaskGroup: string;
  DesiredStatus: "run" | "stop" | "evict";
  ClientStatus: "pending" | "running" | "complete" | "failed" | "lost" | "unknown";
  TaskStates: Record<string, NomadTaskState> | null;
  CreateIndex: number;
  ModifyIndex: number;
  CreateTime: number;
}

export interface NomadUpdateStrategy {
  MaxParallel?: number;
  MinHealthyTime?: number;
  HealthyDeadline?: number;
  HealthCheck?: string;
}

export interface NomadTemplate {
  DestPath: string;
  EmbeddedTmpl?: string;
  Envvars?: boolean;
  ChangeMode?: string;
}

export interface NomadServiceCheck {
  Name?: string;
  Type: string;
}

export interface NomadService {
  Name: string;
  Provider?: string;
  PortLabel?: string;
  Checks?: NomadServiceCheck[] | null;
}

export interface NomadTask {
  Name: string;
  Driver: string;
  Templates?: NomadTemplate[] | null;
  Services?: NomadService[] | null;
  RestartPolicy?: { RenderTemplates?: boolean } | null;
  /** `shutdown_delay`, ns: how long clients need to stop using the task's services. */
  ShutdownDelay?: number;
}

export interface NomadTaskGroup {
  Name: string;
  Count: number;
  Update?: NomadUpdateStrategy | null;
  Tasks: NomadTask[];
  Services?: NomadService[] | null;
  RestartPolicy?: { RenderTemplates?: boolean } | null;
  /** Group-level `shutdown_delay`, ns (nullable in Nomad's JSON). */
  ShutdownDelay?: number | null;
}

export interface NomadJob {
  ID: string;
  Name: string;
  Namespace: string;
  Type: string;
  Status: string;
  Meta?: Record<string, string> | null;
  Update?: NomadUpdateStrategy | null;
  TaskGroups: NomadTaskGroup[];
  Version: number;
  JobModifyIndex: number;
}

export interface NomadJobStub {
  ID: string;
  Namespace: string;
  Status: string;
  Meta?: Record<string, string> | null;
}

export interface NomadCheckResult {
  Check: string;
  Group: string;
  ID: string;
  Mode: "healthiness" | "readiness";
  Output: string;
  Service: string;
  Status: "success" | "failure" | "pending";
  Timestamp: number;
}

export interface NomadScope {
  namespace?: string;
  region?: string;
}

export interface NomadApi {
  /** Job stubs in a namespace (`*` for all), with Meta where the Nomad version includes it. */
  listJobs(scope?: NomadScope): Promise<NomadJobStub[]>;
  /** Undefined when the job does not exist. */
  getJob(jobId: string, scope?: NomadScope): Promise<NomadJob | undefined>;
  jobAllocations(jobId: string, scope?: NomadScope): Promise<NomadAllocation[]>;
  /** Undefined when the allocation is unknown (garbage-collected). */
  getAllocation(allocId: string, scope?: NomadScope): Promise<NomadAllocation | undefined>;
  /**
   * Restart one task, or, when `task` is omitted, the whole allocation (its running tasks, after
   * Nomad has drained its group services). Resolves once Nomad has killed the task(s).
   */
  restartAllocation(allocId: string, task?: string, scope?: NomadScope): Promise<void>;
  /** A file from the allocation directory, e.g. `web/local/env`. */
  readAllocFile(allocId: string, path: string, scope?: NomadScope): Promise<string>;
  /** Nomad-native (provider = "nomad") check results for the allocation. */
  allocationChecks(allocId: string, scope?: NomadScope): Promise<NomadCheckResult[]>;
  /** Version of the agent we talk to, e.g. "1.11.3". */
  version(): Promise<string>;
  /** True when the agent answers and the cluster has a leader. */
  ping(): Promise<boolean>;
}
