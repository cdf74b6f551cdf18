import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/load-config.js";
import { onlyTask, parseDeployJob, SECOND, type ParsedTask } from "./parsed-job.js";

const SIGNING_KEYS = `k1:${Buffer.alloc(32, 7).toString("base64")}`;

function templateAt(task: ParsedTask, dest: string) {
  const template = task.Templates?.find((t) => t.DestPath === dest);
  if (!template) throw new Error(`no template renders ${dest}`);
  return template;
}

describe("deploy/example-web.nomad.hcl (the contract users copy)", () => {
  it("opts in through meta and keeps the rolling-update spec tagroll reads", async () => {
    const job = await parseDeployJob("example-web.nomad.hcl");
    expect(job.Meta).toEqual({ tagroll_service: "web" });
    const [group] = job.TaskGroups;
    expect(group?.Count).toBe(3);
    expect(group?.Update).toMatchObject({
      MaxParallel: 1,
      MinHealthyTime: 10 * SECOND,
      HealthyDeadline: 180 * SECOND,
    });
    expect(group?.RestartPolicy.RenderTemplates).toBe(true);
  });

  it("renders configs/web into the env with a noop template and uses it in the image", async () => {
    const task = onlyTask((await parseDeployJob("example-web.nomad.hcl")).TaskGroups[0]);
    expect(task.Driver).toBe("docker");
    expect(task.Config["image"]).toBe("docker.io/acme/web:${IMAGE_TAG}");
    expect(task.Templates).toHaveLength(1);
    const template = templateAt(task, "local/env");
    expect(template).toMatchObject({ ChangeMode: "noop", Envvars: true });
    expect(template.EmbeddedTmpl).toContain('ls "configs/web"');
  });

  it("registers a group-level service with an HTTP check and a group shutdown_delay, so Nomad drains it", async () => {
    const job = await parseDeployJob("example-web.nomad.hcl");
    const group = job.TaskGroups[0];
    const task = onlyTask(group);
    expect(task.Services ?? []).toEqual([]);
    expect(group?.Services).toHaveLength(1);
    expect(group?.Services?.[0]?.Checks?.map((check) => [check.Type, check.Path])).toEqual([
      ["http", "/health"],
    ]);
    expect(group?.ShutdownDelay).toBeGreaterThan(0);
  });
});

describe("deploy/tagroll.nomad.hcl", () => {
  it("runs two instances on distinct hosts, updated one at a time with auto-revert", async () => {
    const [group] = (await parseDeployJob("tagroll.nomad.hcl")).TaskGroups;
    expect(group?.Count).toBe(2);
    expect(group?.Constraints).toContainEqual(
      expect.objectContaining({ Operand: "distinct_hosts", RTarget: "true" }),
    );
    expect(group?.Update).toMatchObject({ MaxParallel: 1, AutoRevert: true });
    expect(group?.RestartPolicy.RenderTemplates).toBe(true);
  });

  it("runs the image's serve command with an init process and exposes its workload identity", async () => {
    const task = onlyTask(
      (await parseDeployJob("tagroll.nomad.hcl", { image: "reg.test/tagroll:1" })).TaskGroups[0],
    );
    expect(task.Driver).toBe("docker");
    expect(task.Config).toMatchObject({
      image: "reg.test/tagroll:1",
      args: ["serve"],
      init: true,
      ports: ["http"],
    });
    expect(task.Identity).toMatchObject({ Env: true });
    expect(task.KillTimeout).toBeGreaterThan(task.ShutdownDelay);
  });

  it("takes secrets from its Nomad variable into the env, without restarting on change", async () => {
    const task = onlyTask((await parseDeployJob("tagroll.nomad.hcl")).TaskGroups[0]);
    const secrets = task.Templates?.find((t) => t.EmbeddedTmpl.includes("nomadVar"));
    expect(secrets?.EmbeddedTmpl).toContain('nomadVar "nomad/jobs/tagroll"');
    expect(secrets).toMatchObject({ Envvars: true, ChangeMode: "noop" });
    expect(secrets?.DestPath).toMatch(/^secrets\//);
    for (const name of ["TAGROLL_SIGNING_KEYS", "CONSUL_HTTP_TOKEN", "NOMAD_TOKEN", "TAGROLL_SECRET_"]) {
      expect(secrets?.EmbeddedTmpl).toContain(name);
    }
  });

  it("has liveness and readiness checks on a task-level service", async () => {
    const [group] = (await parseDeployJob("tagroll.nomad.hcl")).TaskGroups;
    const service = onlyTask(group).Services?.[0];
    expect(group?.Services ?? []).toEqual([]);
    expect(service?.PortLabel).toBe("http");
    const checks = service?.Checks ?? [];
    expect(checks.map((check) => [check.Type, check.Path])).toEqual([
      ["http", "/healthz"],
      ["http", "/readyz"],
    ]);
    expect(checks[0]?.CheckRestart?.Limit).toBeGreaterThan(0);
    expect(checks[1]?.CheckRestart ?? null).toBeNull();
  });

  it("points TAGROLL_CONFIG at its config template, which tagroll accepts with the job's env", async () => {
    const task = onlyTask((await parseDeployJob("tagroll.nomad.hcl")).TaskGroups[0]);
    const yaml = templateAt(task, "local/tagroll.yaml");
    // Inside a docker task NOMAD_TASK_DIR is /local; addresses are what the node would fill in.
    const env = Object.fromEntries(
      Object.entries(task.Env ?? {}).map(([name, value]) => [
        name,
        value.replace("${NOMAD_TASK_DIR}", "/local").replace("${attr.unique.network.ip-address}", "10.0.0.5"),
      ]),
    );
    expect(env["TAGROLL_CONFIG"]).toBe("/local/tagroll.yaml");
    const config = loadConfig({
      env: { ...env, TAGROLL_SIGNING_KEYS: SIGNING_KEYS },
      cwd: "/local",
      readFile: (path) => (path === "/local/tagroll.yaml" ? yaml.EmbeddedTmpl : undefined),
    });
    expect(config.server.publicUrl).toBe("https://tagroll.example.com");
    expect(config.consul.address).toBe("http://10.0.0.5:8500");
    expect(config.nomad.address).toBe("http://10.0.0.5:4646");
    expect(config.services.map((service) => service.name)).toEqual(["web"]);
  });
});
