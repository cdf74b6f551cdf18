import semver from "semver";
import type { ServiceConfig } from "../config/types.js";
import { watchPrefix } from "../coordinator/index.js";
import { drainPlan } from "../nomad/drain-method.js";
import type { NomadJob, NomadService, NomadTask, NomadTaskGroup, NomadTemplate } from "../nomad/nomad-api.js";
import type { Finding } from "./finding.js";

/** Nomad fixed the "restart reuses the first render" bug in 2.0.3 (hashicorp/nomad#8703, PR #28016). */
const RENDER_FIX = "2.0.3";

/** Template change modes that make Nomad itself act on every allocation at once. */
const ALL_AT_ONCE: Record<string, string> = {
  restart: "restarts every allocation at the same moment (downtime)",
  signal: "signals every allocation at the same moment",
  script: "runs the change script in every allocation at the same moment",
};

export interface GroupLintInput {
  service: ServiceConfig;
  job: NomadJob;
  group: NomadTaskGroup;
  /** Version of the Nomad agent, e.g. "1.6.3". */
  nomadVersion: string;
  /** Tasks a rollout restarts in this group (the target's); every task when omitted. */
  restarted?: string[];
  /**
   * Nodes running instances of this group whose Consul services another agent than tagroll's
   * registered (lint-service.ts asks Consul); only looked at for task-level Consul services.
   */
  foreignNodes?: string[];
  /** The node of the Consul agent tagroll talks to, for the message. */
  agentNode?: string;
}

/**
 * Lints one target task group against the job contract (README, "The Nomad job
 * contract"). Pure: the job as Nomad's API returns it in, findings out.
 */
export function lintGroup(input: GroupLintInput): Finding[] {
  const { service, job, group } = input;
  const at = { service: service.name, job: job.ID, group: group.Name };
  const findings: Finding[] = [];
  const warn = (rule: Finding["rule"], message: string) =>
    findings.push({ level: "warning", rule, ...at, message });

  const rendering = group.Tasks.filter((task) => templatesForKey(task, service.key).length > 0);
  for (const task of rendering) {
    for (const template of templatesForKey(task, service.key)) {
      const effect = ALL_AT_ONCE[template.ChangeMode ?? ""];
      if (effect === undefined) continue;
      warn(
        "change-mode",
        `task ${task.Name}: template ${template.DestPath} renders ${service.key} with change_mode = "${template.ChangeMode}": ` +
          `on every change Nomad ${effect}; use change_mode = "noop" and let tagroll restart them a few at a time`,
      );
    }
  }
  if (needsRenderTemplates(input.nomadVersion)) {
    for (const task of rendering.filter((t) => !(t.RestartPolicy ?? group.RestartPolicy)?.RenderTemplates)) {
      warn(
        "render-templates",
        `task ${task.Name}: no restart { render_templates = true }: Nomad ${input.nomadVersion} (< ${RENDER_FIX}) ` +
          `restarts a task with its first render (hashicorp/nomad#8703), so it would come back on the old value`,
      );
    }
  }
  if (servicesOf(group).every((s) => (s.Checks ?? []).length === 0)) {
    warn(
      "no-health-checks",
      "no service in this group has a health check: tagroll can only wait for the task to run, not to serve",
    );
  }
  const restarted = group.Tasks.filter(
    (task) => !input.restarted?.length || input.restarted.includes(task.Name),
  );
  const plan = drainPlan(group, restarted);
  if (plan.caveat) warn("drain", `an instance is restarted while still in rotation: ${plan.caveat}`);
  if (plan.method === "consul-maintenance" && input.foreignNodes?.length) {
    warn(
      "drain",
      `instances on ${input.foreignNodes.join(", ")} are registered with another Consul agent than ` +
        `tagroll's (node ${input.agentNode ?? "?"}); Consul maintenance is agent-local ` +
        "(hashicorp/consul#1105), so they would be restarted while still in rotation: declare the " +
        'service in the group, with a group shutdown_delay (e.g. "5s"), and Nomad drains them itself',
    );
  }
  return findings;
}

/**
 * Templates of `task` that render `key`: their inline text names the key or its folder
 * (`{{ range ls "configs/web" }}`), the same test the coordinator uses to find rendered files.
 */
export function templatesForKey(task: NomadTask, key: string): NomadTemplate[] {
  const folder = watchPrefix(key).replace(/\/$/, "");
  const mentionsFolder = new RegExp(`${folder.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/?["'\`]`);
  const renders = (text: string) => text.includes(key) || (folder !== "" && mentionsFolder.test(text));
  return (task.Templates ?? []).filter((t) => t.EmbeddedTmpl !== undefined && renders(t.EmbeddedTmpl));
}

/** True when the agent's version has the first-render bug (an unparsable version is assumed to). */
export function needsRenderTemplates(version: string): boolean {
  const parsed = semver.coerce(version);
  return parsed === null || semver.lt(parsed, RENDER_FIX);
}

function servicesOf(group: NomadTaskGroup): NomadService[] {
  return [...(group.Services ?? []), ...group.Tasks.flatMap((t) => t.Services ?? [])];
}
