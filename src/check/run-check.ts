import { ConfigError } from "../config/config-error.js";
import type { TagrollConfig } from "../config/types.js";
import type { Logger } from "../core/logger.js";
import { nomadDefaults } from "../coordinator/targets.js";
import type { NomadApi } from "../nomad/nomad-api.js";
import { nomadPingable, probeAgent, type AgentProbe, type Pingable } from "./agent-probe.js";
import type { Finding } from "./finding.js";
import { lintService } from "./lint-service.js";

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
  connect(config: TagrollConfig): { consul: Pingable; nomad: NomadApi; close(): Promise<void> };
  logger: Logger;
}

/**
 * `tagroll check` (issue 5, item 6): the configuration, then both agents, then every service's
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
  const clients = deps.connect(config);
  try {
    report.consul = await probeAgent(clients.consul, config.consul.address);
    report.nomad = await probeAgent(nomadPingable(clients.nomad), config.nomad.address);
    for (const [name, probe] of [
      ["consul", report.consul],
      ["nomad", report.nomad],
    ] as const) {
      if (!probe.reachable) {
        report.findings.push({
          level: "error",
          rule: name,
          message: `${probe.address}: ${probe.error ?? "unreachable"}`,
        });
      }
    }
    const version = report.nomad.version;
    if (!report.nomad.reachable || version === undefined) return report;
    for (const service of config.services) {
      report.findings.push(
        ...(await lintService(service, clients.nomad, nomadDefaults(config), version, deps.logger)),
      );
    }
    return report;
  } finally {
    await clients.close();
  }
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

function issuesOf(err: unknown): string[] {
  if (err instanceof ConfigError) return err.issues.map((issue) => `${issue.field}: ${issue.message}`);
  return [(err as Error).message];
}
