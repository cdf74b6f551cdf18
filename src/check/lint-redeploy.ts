import type { ServiceConfig } from "../config/types.js";
import type { NomadJob } from "../nomad/nomad-api.js";
import { describeConvention, strategyFor, type Convention } from "./job-conventions.js";
import type { Finding } from "./finding.js";

/**
 * What `tagroll check` says about one target job's convention (README, "Three ways a job takes
 * its tag"): which strategy the job needs (an `info` line, left out for the default — a template
 * with the restart strategy), a warning when the service is configured with another
 * one, and for a redeploy the two things Nomad's deployment relies on: an `update` block (without
 * one Nomad replaces every allocation at once, with no health gate and nothing to revert) and
 * health checks (without them "healthy" only means "running"). Pure.
 */
export function lintConvention(service: ServiceConfig, job: NomadJob, conventions: Convention[]): Finding[] {
  const at = { service: service.name, job: job.ID };
  const findings: Finding[] = [];
  const configured = service.strategy ?? { kind: "restart" };
  const fits = (c: Convention) =>
    configured.kind === "restart"
      ? c.kind === "template"
      : c.kind === configured.field.kind && c.name === configured.field.name;
  // A template rolled out by restarts is the default contract: nothing worth a line.
  const worthSaying = conventions.some((c) => c.kind !== "template") || configured.kind === "redeploy";
  for (const convention of worthSaying ? conventions : []) {
    findings.push({
      level: "info",
      rule: "convention",
      ...at,
      message: `takes its tag from ${describeConvention(convention, service.key)}: needs strategy ${strategyFor(convention)}`,
    });
  }
  if (conventions.length > 0 && !conventions.some(fits)) {
    const wanted = conventions.map(strategyFor).join(" or ");
    findings.push({
      level: "warning",
      rule: "strategy",
      ...at,
      message: `the service's strategy is ${label(configured)}, which this job does not use: set strategy: ${wanted}`,
    });
  }
  if (configured.kind === "restart") return findings;
  if (conventions.length === 0) {
    findings.push({
      level: "warning",
      rule: "strategy",
      ...at,
      message: `no image interpolates ${configured.field.kind === "meta" ? `\${NOMAD_META_${configured.field.name}}` : `\${var.${configured.field.name}}`}: changing ${label(configured)} would not change the tag`,
    });
  }
  for (const group of job.TaskGroups) {
    const where = { ...at, group: group.Name };
    if ((group.Update?.MaxParallel ?? 0) === 0)
      findings.push({
        level: "warning",
        rule: "redeploy-update",
        ...where,
        message:
          "no update block: Nomad replaces every allocation at once, with no health gate and no deployment to revert; " +
          'add update { max_parallel = 1, min_healthy_time = "10s", healthy_deadline = "3m" }',
      });
    const checks = [...(group.Services ?? []), ...group.Tasks.flatMap((t) => t.Services ?? [])].flatMap(
      (s) => s.Checks ?? [],
    );
    if (checks.length === 0)
      findings.push({
        level: "warning",
        rule: "no-health-checks",
        ...where,
        message:
          "no service in this group has a health check: the Nomad deployment counts a running allocation as healthy",
      });
  }
  return findings;
}

function label(strategy: NonNullable<ServiceConfig["strategy"]>): string {
  return strategy.kind === "restart" ? "restart" : `redeploy ${strategy.field.kind}.${strategy.field.name}`;
}
