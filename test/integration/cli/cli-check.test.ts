import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { CheckReport } from "../../../src/check/run-check.js";
import { registerDemoJob } from "../../../src/demo/demo-job.js";
import { consulAddr, nomadAddr, purgeJob, waitFor, runningAllocs } from "../../helpers/cluster.js";
import { newSigningKeys } from "../../helpers/tagroll.js";
import { runCli, writeConfigDir } from "../../helpers/tagroll-cli.js";
import { uniqueSuffix } from "../api/api-runtime.js";

/** `tagroll check` as a process, against the real agents and a job that breaks the contract. */
const SERVICE = `clichk-${uniqueSuffix()}`;
const YAML = `
services:
  - name: ${SERVICE}
    image: acme/${SERVICE}
`;

let configDir: Awaited<ReturnType<typeof writeConfigDir>>;
const env = () => ({
  CONSUL_HTTP_ADDR: consulAddr(),
  NOMAD_ADDR: nomadAddr(),
  TAGROLL_SIGNING_KEYS: newSigningKeys(),
});
const check = (args: string[], dir = configDir, extraEnv: Record<string, string> = {}) =>
  runCli(["check", "-c", dir.file, ...args], { env: { ...env(), ...extraEnv } });

beforeAll(async () => {
  // The job opts in through meta and renders the key with change_mode = "restart": the pattern
  // tagroll replaces, which restarts every allocation at once.
  await registerDemoJob(nomadAddr(), { id: SERVICE, service: SERVICE, count: 1, changeMode: "restart" });
  await waitFor("the job's allocation", async () => (await runningAllocs(SERVICE)).length === 1);
  configDir = await writeConfigDir(YAML);
});

afterAll(async () => {
  await configDir?.remove();
  await purgeJob(SERVICE);
});

describe("tagroll check", () => {
  it("warns on change_mode = restart for the watched key; warnings alone exit 0", async () => {
    const result = await check([]);
    expect(result.code, result.stderr).toBe(0);
    const version = (v: string) => v.replace(/\./g, "\\.");
    expect(result.stdout).toMatch(
      new RegExp(`consul\\s+http://127\\.0\\.0\\.1:\\d+\\s+ok\\s+${version(inject("consulVersion"))}`),
    );
    expect(result.stdout).toMatch(
      new RegExp(`nomad\\s+http://127\\.0\\.0\\.1:\\d+\\s+ok\\s+${version(inject("nomadVersion"))}`),
    );
    expect(result.stdout).toMatch(
      new RegExp(`warning\\s+${SERVICE}\\s+${SERVICE}\\s+app\\s+change-mode\\s+task app: template local/env`),
    );
    expect(result.stdout).toContain("0 errors, 1 warning");
  });

  it("--strict exits 3 on the warning; --json lists exactly that finding", async () => {
    expect((await check(["--strict"])).code).toBe(3);
    const json = await check(["--json"]);
    const report = JSON.parse(json.stdout) as CheckReport;
    expect(report.nomad).toMatchObject({ reachable: true, version: inject("nomadVersion") });
    expect(
      report.findings.map(({ level, rule, service, job, group }) => ({ level, rule, service, job, group })),
    ).toEqual([{ level: "warning", rule: "change-mode", service: SERVICE, job: SERVICE, group: "app" }]);
  });

  it("an invalid configuration: every problem listed, exit 3", async () => {
    const bad = await writeConfigDir(`services:\n  - name: Not_Valid\n    image: acme/x\n    colour: blue\n`);
    try {
      const result = await check([], bad);
      expect(result.code).toBe(3);
      expect(result.stdout).toMatch(/error\s+-\s+-\s+-\s+config\s+services\[0\]\.name/);
      expect(result.stdout).toMatch(/config\s+services\[0\]\.colour: unknown field/);
    } finally {
      await bad.remove();
    }
  });

  it("an unreachable Nomad is an error (exit 3) and no job is linted", async () => {
    const result = await check(["--json"], configDir, { NOMAD_ADDR: "http://127.0.0.1:1" });
    expect(result.code).toBe(3);
    const report = JSON.parse(result.stdout) as CheckReport;
    expect(report.consul?.reachable).toBe(true);
    expect(report.nomad?.reachable).toBe(false);
    expect(report.findings.map((f) => [f.level, f.rule])).toEqual([["error", "nomad"]]);
  });
});
