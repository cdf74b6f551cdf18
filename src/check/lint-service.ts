import type { ServiceConfig } from "../config/types.js";
import type { Logger } from "../core/logger.js";
import { resolveTargets } from "../coordinator/index.js";
import { drainPlan } from "../nomad/drain-method.js";
import type { NomadApi, NomadJob, NomadScope, NomadTaskGroup } from "../nomad/nomad-api.js";
import type { DrainProbe } from "./agent-probe.js";
import type { Finding } from "./finding.js";
import { lintGroup, templatesForKey } from "./lint-group.js";
import { jobConventions } from "./job-conventions.js";
import { lintConvention } from "./lint-redeploy.js";

/** The HCL source Nomad stored with a job version (`nomad job run`, Nomad ≥ 1.6); undefined if none. */
export type SubmittedSource = (
  jobId: string,
  version: number,
  scope: NomadScope,
) => Promise<string | undefined>;

/**
 * Lints one service's targets exactly as the coordinator finds them (`resolveTargets`: config
 * jobs plus `meta { tagroll_service }` opt-ins, narrowed to groups), and reports configured
 * jobs that are missing or of a type that cannot be rolled out, and a key no target renders.
 */
export async function lintService(
  service: ServiceConfig,
  nomad: NomadApi,
  defaults: NomadScope,
  nomadVersion: string,
  logger: Logger,
  consul?: DrainProbe,
  submitted?: SubmittedSource,
): Promise<Finding[]> {
  const findings: Finding[] = [];
  const at = { service: service.name };
  for (const configured of service.jobs) {
    const scope = { ...defaults, ...definedScope(configured.namespace, configured.region) };
    const job = await nomad.getJob(configured.id, scope);
    if (!job) {
      findings.push({
        level: "error",
        rule: "job-missing",
        ...at,
        job: configured.id,
        message: "job not found in Nomad",
      });
    } else if (job.Type !== "service" && job.Type !== "system") {
      findings.push({
        level: "warning",
        rule: "job-type",
        ...at,
        job: job.ID,
        message: `a ${job.Type} job has no long-running allocations to restart; tagroll skips it`,
      });
    }
  }

  const targets = await resolveTargets(service, nomad, defaults, logger);
  if (targets.length === 0) {
    findings.push({
      level: "warning",
      rule: "no-targets",
      ...at,
      message: `no target job: list jobs for ${service.name} in the config or add meta { tagroll_service = "${service.name}" } to a job`,
    });
    return findings;
  }
  const jobs = new Map<string, NomadJob>();
  let rendered = false;
  for (const target of targets) {
    const id = `${target.namespace}/${target.jobId}`;
    const known = jobs.get(id);
    const job = known ?? (await nomad.getJob(target.jobId, target.scope));
    if (!job) continue; // deregistered between the two reads
    jobs.set(id, job);
    if (!known) {
      const source = await submitted?.(job.ID, job.Version, target.scope).catch(() => undefined);
      findings.push(...lintConvention(service, job, jobConventions(job, service.key, source)));
    }
    // A redeploy changes the job itself: the template checks below are about restarts.
    if (service.strategy?.kind === "redeploy") continue;
    const group = job.TaskGroups.find((g) => g.Name === target.group);
    if (!group) continue;
    rendered ||= group.Tasks.some((task) => templatesForKey(task, service.key).length > 0);
    const restarted = target.tasks;
    const where = consul ? await whereRegistered(consul, nomad, target, group, restarted) : {};
    if (where.error) {
      findings.push({
        level: "warning",
        rule: "drain",
        ...at,
        job: job.ID,
        group: group.Name,
        message: `could not tell which Consul agents registered the instances: ${where.error}`,
      });
    }
    findings.push(
      ...lintGroup({
        service,
        job,
        group,
        nomadVersion,
        restarted,
        ...(where.foreignNodes && { foreignNodes: where.foreignNodes }),
        ...(where.agentNode && { agentNode: where.agentNode }),
      }),
    );
  }
  if (!rendered && service.strategy?.kind !== "redeploy") {
    findings.push({
      level: "warning",
      rule: "key-not-rendered",
      ...at,
      message: `no target job renders ${service.key}: add a template that reads it (env = true, change_mode = "noop")`,
    });
  }
  return findings;
}

/**
 * For a group drained through Consul maintenance: the nodes whose instances another Consul agent
 * than tagroll's registered (those tagroll cannot drain).
 */
async function whereRegistered(
  consul: DrainProbe,
  nomad: NomadApi,
  target: { jobId: string; scope: NomadScope },
  group: NomadTaskGroup,
  restarted: string[],
): Promise<{ foreignNodes?: string[]; agentNode?: string; error?: string }> {
  const tasks = group.Tasks.filter((t) => restarted.length === 0 || restarted.includes(t.Name));
  if (drainPlan(group, tasks).method !== "consul-maintenance") return {};
  try {
    const agentNode = await consul.agentNode();
    const allocs = (await nomad.jobAllocations(target.jobId, target.scope)).filter(
      (a) => a.TaskGroup === group.Name && a.DesiredStatus === "run" && a.ClientStatus === "running",
    );
    const foreign = new Set<string>();
    for (const alloc of allocs) {
      for (const node of await consul.allocNodes(alloc.ID)) if (node !== agentNode) foreign.add(node);
    }
    return { foreignNodes: [...foreign].sort(), agentNode };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

function definedScope(namespace: string | undefined, region: string | undefined): NomadScope {
  return { ...(namespace !== undefined && { namespace }), ...(region !== undefined && { region }) };
}
