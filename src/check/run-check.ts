import { ConfigError } from "../config/config-error.js";
import type { TagrollConfig } from "../config/types.js";
import type { Logger } from "../core/logger.js";
import { nomadDefaults } from "../coordinator/index.js";
import type { NomadApi } from "../nomad/nomad-api.js";
import { nomadPingable, probeAgent, type AgentProbe, type DrainProbe, type Pingable } from "./agent-probe.js";
import type { Finding } from "./finding.js";
import { lintService, type SubmittedSource } from "./lint-service.js";

export interface CheckReport {
  /** The configuration file that was read, when one was. */
  configFile?: string;
  consul?: AgentProbe;
  nomad?: AgentProbe;
  findings: Finding[];
}

export interface CheckDeps {
  /** `loadConfig` with or without requiring signing keys (throws ConfigError). */
  loadConfig(requireSigningKeys: boolean): TagrollConfig;
  connect(config: TagrollConfig): {
    consul: Pingable & Partial<DrainProbe>;
    nomad: NomadApi;
    /** Reads the source stored with a job, to recognise the job-variable convention. */
    submitted?: SubmittedSource;
    close(): Promise<void>;
  };
  logger: Logger;
  /** issue 12: registry findings (src/check/registry-check.ts); left out, registries are not checked. */
  registries?(config: TagrollConfig): Promise<Finding[]>;
}

/**
 * `tagroll check` (README, "Command line"): the configuration, then both agents, then every service's
 * target jobs. Stops at the first stage that makes the next meaningless (no config, no Nomad).
 */
export async function runCheck(deps: CheckDeps): Promise<CheckReport> {
  const loaded = loadWithFindings(deps);
  if (!loaded.config) return { findings: loaded.findings };
  const { config } = loaded;
  const report: CheckReport = {
    ...(config.configFile !== undefined && { configFile: config.configFile }),
    findings: loaded.findings,
  };
  if (config.services.length === 0) {
    const where =
      config.configFile ?? "no configuration file found (--config, TAGROLL_CONFIG, ./tagroll.yaml)";
    report.findings.push({ level: "warning", rule: "config", message: `no services configured: ${where}` });
  }
  const clients = deps.connect(config);
  try {
    report.consul = await probeAgent(clients.consul, config.consul.address);
    report.nomad = await probeAgent(nomadPingable(clients.nomad), config.nomad.address);
    report.findings.push(...unreachable("consul", report.consul), ...unreachable("nomad", report.nomad));
    if (deps.registries && report.consul.reachable) report.findings.push(...(await deps.registries(config)));
    const version = report.nomad.version;
    if (!report.nomad.reachable || version === undefined) return report;
    for (const service of config.services) {
      report.findings.push(
        ...(await lintService(
          service,
          clients.nomad,
          nomadDefaults(config),
          version,
          deps.logger,
          drainProbe(clients.consul),
          clients.submitted,
        )),
      );
    }
    return report;
  } finally {
    await clients.close();
  }
}

function drainProbe(consul: Partial<DrainProbe>): DrainProbe | undefined {
  const { agentNode, allocNodes } = consul;
  return agentNode && allocNodes
    ? { agentNode: agentNode.bind(consul), allocNodes: allocNodes.bind(consul) }
    : undefined;
}

/**
 * Config problems are errors, except missing signing keys: the CLI (check, status, deploy) runs
 * without them, only `serve` and token minting need them — worth a warning, not a failure.
 */
function loadWithFindings(deps: CheckDeps): { config?: TagrollConfig; findings: Finding[] } {
  try {
    return { config: deps.loadConfig(true), findings: [] };
  } catch (strictErr) {
    try {
      const config = deps.loadConfig(false);
      const warning: Finding = {
        level: "warning",
        rule: "signing-keys",
        message: `${issuesOf(strictErr).join("; ")} (tagroll serve and token minting will refuse to start here)`,
      };
      return { config, findings: [warning] };
    } catch (err) {
      return {
        findings: issuesOf(err).map((message) => ({ level: "error", rule: "config", message })),
      };
    }
  }
}

function unreachable(rule: "consul" | "nomad", probe: AgentProbe): Finding[] {
  if (probe.reachable) return [];
  const error = probe.error ?? "unreachable";
  // Consul's errors already name the address; Nomad's ping only says it got no answer.
  return [
    { level: "error", rule, message: error.includes(probe.address) ? error : `${probe.address}: ${error}` },
  ];
}

function issuesOf(err: unknown): string[] {
  if (err instanceof ConfigError) return err.issues.map((issue) => `${issue.field}: ${issue.message}`);
  return [(err as Error).message];
}
