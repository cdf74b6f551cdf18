import type { Command } from "commander";
import { ConsulAgentInfo } from "../../check/agent-probe.js";
import { countLevels } from "../../check/finding.js";
import { checkRegistries } from "../../check/registry-check.js";
import { runCheck, type CheckReport } from "../../check/run-check.js";
import { systemClock } from "../../core/clock.js";
import { ConsulKvStore } from "../../kv/consul-kv-store.js";
import { loadConfig } from "../../config/load-config.js";
import { createLogger } from "../../core/logger.js";
import { HttpNomadApi } from "../../nomad/http-nomad-api.js";
import { HttpNomadDeployApi } from "../../nomad/http-deploy-api.js";
import { newestSubmission } from "../../nomad/newest-submission.js";
import { configFlags, withConfigOptions } from "../config-options.js";
import { EXIT, helpText } from "../exit-codes.js";
import { formatCheck } from "../format-check.js";
import { stdio, toJson, withNotice } from "../output.js";

/** `tagroll check`: the configuration, both agents, and every target job against the contract. */
export function registerCheckCommand(program: Command): void {
  withConfigOptions(program.command("check"))
    .description("validate the configuration, reach Consul and Nomad, and lint the jobs each service targets")
    .option("--json", "print {configFile, consul, nomad, findings} as JSON")
    .option("--strict", "exit 3 on warnings too, not only on errors")
    .addHelpText(
      "after",
      helpText([
        "tagroll check -c /etc/tagroll/tagroll.yaml",
        "tagroll check --strict       # in CI: fail on any finding",
        "tagroll check --json | jq '.findings[] | select(.rule == \"change-mode\")'",
      ]) +
        "\n\nRules: config, signing-keys, consul, nomad, job-missing, job-type, no-targets, key-not-rendered," +
        "\n       change-mode, render-templates, no-health-checks, drain, convention (info), strategy, redeploy-update," +
        "\n       registry",
    )
    .action(async (options: Record<string, unknown>) => {
      const flags = configFlags(options);
      const level = typeof options["logLevel"] === "string" ? options["logLevel"] : "silent";
      const report = await withNotice(
        stdio,
        "checking the configuration, Consul, Nomad and the target jobs…",
        runCheck({
          loadConfig: (requireSigningKeys) => loadConfig({ flags, requireSigningKeys }),
          connect: (config) => {
            const consul = new ConsulAgentInfo(config.consul);
            const nomad = new HttpNomadApi(config.nomad);
            const deployApi = new HttpNomadDeployApi(nomad.http);
            return {
              consul,
              nomad,
              submitted: async (jobId, version, scope) =>
                (await newestSubmission(deployApi, jobId, version, scope))?.submission.Source,
              close: async () => (consul.close(), await nomad.close()),
            };
          },
          logger: createLogger({ level, destination: process.stderr }),
          // issue 12: each configured registry, its credentials and the current signature
          registries: async (config) => {
            const kv = new ConsulKvStore(config.consul);
            const log = createLogger({ level, destination: process.stderr });
            try {
              return await checkRegistries(config, { kv, clock: systemClock, log });
            } finally {
              kv.close();
            }
          },
        }),
      );
      stdio.out(options["json"] ? toJson(report) : formatCheck(report));
      process.exitCode = checkExitCode(report, options["strict"] === true);
    });
}

/** 3 when any finding is an error (or, with --strict, any finding at all); else 0. */
export function checkExitCode(report: CheckReport, strict: boolean): number {
  const { errors, warnings } = countLevels(report.findings);
  return errors > 0 || (strict && warnings > 0) ? EXIT.checkFailed : EXIT.ok;
}
