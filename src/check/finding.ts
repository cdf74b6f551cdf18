/** What `tagroll check` reports: one finding per problem, each with a stable rule id for scripts. */
export type FindingLevel = "error" | "warning" | "info";

export type FindingRule =
  | "config"
  | "signing-keys"
  | "consul"
  | "nomad"
  | "job-missing"
  | "job-type"
  | "no-targets"
  | "key-not-rendered"
  | "change-mode"
  | "render-templates"
  | "no-health-checks"
  | "drain"
  // redeploy strategy (README, "Three ways a job takes its tag")
  | "convention"
  | "strategy"
  | "redeploy-update"
  // issue 12: registry reachable, credentials, repository, signature of the current digest
  | "registry";

export interface Finding {
  level: FindingLevel;
  rule: FindingRule;
  service?: string;
  job?: string;
  group?: string;
  message: string;
}

export function countLevels(findings: readonly Finding[]): { errors: number; warnings: number } {
  return {
    errors: findings.filter((f) => f.level === "error").length,
    warnings: findings.filter((f) => f.level === "warning").length,
  };
}
