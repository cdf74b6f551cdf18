import type { JobTarget, ServiceConfig, TagrollConfig } from "../../config/types.js";
import type { Logger } from "../../core/logger.js";
import { drainPlan, type DrainPlan } from "../../nomad/drain-method.js";
import type { NomadApi, NomadJob, NomadScope, NomadTaskGroup } from "../../nomad/nomad-api.js";
import { rolloutParams, type RolloutParams } from "./rollout-params.js";
import { healthSource, renderedFiles, type HealthSource } from "./task-templates.js";
import { keyBasename } from "../watch/index.js";

/** One task group whose allocations a rollout of the service restarts. */
export interface GroupTarget {
  jobId: string;
  namespace: string;
  scope: NomadScope;
  group: string;
  /** Tasks to restart; empty means every task of the allocation. */
  tasks: string[];
  /** Files (relative to the allocation dir, e.g. `web/local/env`) that render the key. */
  files: string[];
  /** Name the value is rendered under: the key's last segment, `IMAGE_TAG`. */
  valueName: string;
  /**
   * A service that pins digests: the files of the restarted tasks that render its digest key,
   * and the name it is rendered under (`IMAGE_DIGEST`). See RolloutRecord.digest.
   */
  digest?: { name: string; files: string[] };
  health: HealthSource;
  params: RolloutParams;
  /** `restart { render_templates = true }`: a restart re-renders (blocking) before the task runs. */
  rendersOnRestart: boolean;
  /** The job's `shutdown_delay` (ms): how long a drained allocation waits before its restart. */
  drainMs: number;
  /**
   * How an allocation leaves rotation before its restart (src/nomad/drain-method.ts). With
   * `group-restart` the whole allocation is restarted (its running tasks), whatever `tasks` says,
   * because only that makes Nomad deregister the group's services and wait its shutdown_delay.
   */
  drain: DrainPlan;
}

/** The meta key a job sets to opt in: `meta { tagroll_service = "web" }`. */
export const OPT_IN_META = "tagroll_service";

/**
 * Targets of a service (README, "Concepts" and "The Nomad job contract"): the jobs its config lists plus every job whose meta
 * opts in, narrowed to the configured groups and tasks. Service and system jobs only — a batch
 * allocation has nothing to restart into.
 */
export async function resolveTargets(
  service: ServiceConfig,
  nomad: NomadApi,
  defaults: NomadScope,
  logger: Logger,
): Promise<GroupTarget[]> {
  const jobs = [...service.jobs, ...(await optedIn(service, nomad, defaults))];
  const seen = new Set<string>();
  const targets: GroupTarget[] = [];
  for (const target of jobs) {
    const scope = scopeOf(target, defaults);
    const id = `${scope.namespace ?? "default"}/${target.id}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const job = await nomad.getJob(target.id, scope);
    if (!job || (job.Type !== "service" && job.Type !== "system")) {
      logger.warn({ job: target.id }, job ? "job type cannot be rolled out" : "target job not found");
      continue;
    }
    for (const group of job.TaskGroups) {
      if (target.groups && !target.groups.includes(group.Name)) continue;
      targets.push(groupTarget(service, job, group, target, scope));
    }
  }
  return targets;
}

function groupTarget(
  service: ServiceConfig,
  job: NomadJob,
  group: NomadTaskGroup,
  target: JobTarget,
  scope: NomadScope,
): GroupTarget {
  const rendering = group.Tasks.filter((task) => renderedFiles(task, service.key).length > 0);
  const tasks = target.tasks ?? rendering.map((task) => task.Name);
  const restarted = group.Tasks.filter((task) => tasks.length === 0 || tasks.includes(task.Name));
  const plan = drainPlan(group, restarted);
  const digestKey = service.supplyChain?.digestKey;
  const digest = digestKey && {
    name: keyBasename(digestKey),
    files: restarted.flatMap((task) => renderedFiles(task, digestKey)),
  };
  return {
    ...(digest ? { digest } : {}),
    jobId: job.ID,
    namespace: job.Namespace,
    scope: { ...scope, namespace: job.Namespace },
    group: group.Name,
    tasks,
    files: restarted.flatMap((task) => renderedFiles(task, service.key)),
    valueName: keyBasename(service.key),
    health: healthSource(job, group),
    params: rolloutParams(group.Update, job.Update, service.rollout),
    rendersOnRestart:
      restarted.length > 0 &&
      restarted.every((task) => (task.RestartPolicy ?? group.RestartPolicy)?.RenderTemplates === true),
    drainMs: plan.delayMs,
    drain: plan,
  };
}

/** Jobs whose meta names the service. Stubs without Meta (older Nomad) are read in full. */
async function optedIn(service: ServiceConfig, nomad: NomadApi, defaults: NomadScope): Promise<JobTarget[]> {
  const stubs = await nomad.listJobs({ ...defaults, namespace: "*" });
  const found: JobTarget[] = [];
  for (const stub of stubs) {
    const scope = { ...defaults, namespace: stub.Namespace };
    const meta = stub.Meta === undefined ? (await nomad.getJob(stub.ID, scope))?.Meta : stub.Meta;
    if (meta?.[OPT_IN_META] !== service.name) continue;
    found.push(
      defaults.region
        ? { id: stub.ID, namespace: stub.Namespace, region: defaults.region }
        : { id: stub.ID, namespace: stub.Namespace },
    );
  }
  return found;
}

function scopeOf(target: JobTarget, defaults: NomadScope): NomadScope {
  const scope: NomadScope = { ...defaults };
  if (target.namespace) scope.namespace = target.namespace;
  if (target.region) scope.region = target.region;
  return scope;
}

/** The namespace and region configured for Nomad (NOMAD_NAMESPACE, NOMAD_REGION). */
export function nomadDefaults(config: TagrollConfig): NomadScope {
  const scope: NomadScope = {};
  if (config.nomad.namespace) scope.namespace = config.nomad.namespace;
  if (config.nomad.region) scope.region = config.nomad.region;
  return scope;
}
