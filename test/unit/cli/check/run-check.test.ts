import { describe, expect, it } from "vitest";
import type { Pingable } from "../../../../src/check/agent-probe.js";
import { runCheck, type CheckDeps } from "../../../../src/check/run-check.js";
import { checkExitCode } from "../../../../src/cli/commands/check.js";
import { ConfigError } from "../../../../src/config/config-error.js";
import type { TagrollConfig } from "../../../../src/config/types.js";
import { createLogger } from "../../../../src/core/logger.js";
import { config, job, JobsOnlyNomad, service } from "./check-fixtures.js";

const silent = createLogger({ level: "silent" });
const consulUp: Pingable = { ping: async () => true, version: async () => "1.22.7" };

function deps(
  load: (strict: boolean) => TagrollConfig,
  nomad: JobsOnlyNomad,
  consul: Pingable = consulUp,
): CheckDeps & { closed: number } {
  const d = {
    closed: 0,
    loadConfig: load,
    connect: () => ({ consul, nomad, close: async () => void d.closed++ }),
    logger: silent,
  };
  return d;
}

describe("runCheck", () => {
  it("lists every config problem as an error and stops there (exit 3)", async () => {
    const bad = new ConfigError([
      { field: "services[0].name", message: "must match [a-z0-9][a-z0-9_-]*" },
      { field: "server.port", message: "must be 1-65535" },
    ]);
    const d = deps(() => {
      throw bad;
    }, new JobsOnlyNomad([]));
    const report = await runCheck(d);
    expect(report).toEqual({
      findings: [
        { level: "error", rule: "config", message: "services[0].name: must match [a-z0-9][a-z0-9_-]*" },
        { level: "error", rule: "config", message: "server.port: must be 1-65535" },
      ],
    });
    expect(d.closed).toBe(0);
    expect(checkExitCode(report, false)).toBe(3);
  });

  it("missing signing keys are a warning; the rest of the check still runs", async () => {
    const cfg = { ...config([service("web")]), configFile: "/etc/tagroll/tagroll.yaml" };
    const d = deps(
      (strict) => {
        if (strict) throw new ConfigError([{ field: "signingKeys", message: "no signing key configured" }]);
        return cfg;
      },
      new JobsOnlyNomad([job({ id: "web", service: "web" })]),
    );
    const report = await runCheck(d);
    expect(report.configFile).toBe("/etc/tagroll/tagroll.yaml");
    expect(report.consul).toEqual({ address: "http://127.0.0.1:8500", reachable: true, version: "1.22.7" });
    expect(report.nomad).toEqual({ address: "http://127.0.0.1:4646", reachable: true, version: "1.11.3" });
    expect(report.findings.map((f) => [f.level, f.rule])).toEqual([["warning", "signing-keys"]]);
    expect(d.closed).toBe(1);
    expect(checkExitCode(report, false)).toBe(0);
    expect(checkExitCode(report, true)).toBe(3);
  });

  it("an unreachable agent is an error; without Nomad no job is linted", async () => {
    const nomad = new JobsOnlyNomad([job({ id: "web", service: "web", changeMode: "restart" })]);
    nomad.unreachable = true;
    const consulDown: Pingable = {
      ping: async () => {
        throw new Error("connect ECONNREFUSED 127.0.0.1:8500");
      },
      version: async () => "never asked",
    };
    const report = await runCheck(deps(() => config([service("web")]), nomad, consulDown));
    expect(report.consul).toMatchObject({ reachable: false, error: "connect ECONNREFUSED 127.0.0.1:8500" });
    expect(report.nomad?.reachable).toBe(false);
    expect(report.findings.map((f) => f.rule)).toEqual(["consul", "nomad"]);
    expect(checkExitCode(report, false)).toBe(3);
  });

  it("no services configured is a warning that says where config was looked for", async () => {
    const report = await runCheck(deps(() => config([]), new JobsOnlyNomad([])));
    expect(report.findings).toEqual([
      {
        level: "warning",
        rule: "config",
        message:
          "no services configured: no configuration file found (--config, TAGROLL_CONFIG, ./tagroll.yaml)",
      },
    ]);
  });

  it("lints each configured service's targets with the agent's version", async () => {
    const nomad = new JobsOnlyNomad(
      [
        job({ id: "web", service: "web", renderTemplates: false }),
        job({ id: "api", service: "api", checks: false }),
      ],
      "2.0.3",
    );
    const report = await runCheck(deps(() => config([service("web"), service("api")]), nomad));
    // Nomad 2.0.3 re-renders on restart by itself, so only the missing checks remain.
    expect(report.findings.map((f) => [f.service, f.rule])).toEqual([["api", "no-health-checks"]]);
  });
});
