import { describe, expect, it } from "vitest";
import { lintGroup, needsRenderTemplates, templatesForKey } from "../../../../src/check/lint-group.js";
import { lintService } from "../../../../src/check/lint-service.js";
import { createLogger } from "../../../../src/core/logger.js";
import { job, JobsOnlyNomad, service, type JobSpec } from "./check-fixtures.js";

const silent = createLogger({ level: "silent" });

function lint(spec: Partial<JobSpec>, nomadVersion = "1.6.3", foreignNodes?: string[]) {
  const j = job({ id: "web", service: "web", ...spec });
  const group = j.TaskGroups[0]!;
  return lintGroup({
    service: service("web"),
    job: j,
    group,
    nomadVersion,
    ...(foreignNodes && { foreignNodes, agentNode: "consul-server" }),
  });
}

const rules = (findings: Array<{ rule: string }>) => findings.map((f) => f.rule);

describe("lintGroup", () => {
  it("finds nothing in a job that follows the contract", () => {
    expect(lint({})).toEqual([]);
  });

  it.each(["restart", "signal", "script"])("warns on change_mode = %s for the watched key", (mode) => {
    const [finding] = lint({ changeMode: mode });
    expect(finding).toMatchObject({
      level: "warning",
      rule: "change-mode",
      service: "web",
      job: "web",
      group: "app",
    });
    expect(finding?.message).toContain(`change_mode = "${mode}"`);
    expect(finding?.message).toContain("configs/web/IMAGE_TAG");
  });

  it("ignores the change mode of a template that does not render the key", () => {
    expect(rules(lint({ changeMode: "restart", otherTemplate: true }))).toEqual([]);
  });

  it("wants render_templates only on Nomad versions before 2.0.3", () => {
    expect(rules(lint({ renderTemplates: false }, "1.11.3"))).toEqual(["render-templates"]);
    expect(rules(lint({ renderTemplates: false }, "2.0.2"))).toEqual(["render-templates"]);
    expect(rules(lint({ renderTemplates: false }, "2.0.3"))).toEqual([]);
    expect(rules(lint({ renderTemplates: false }, "2.1.0+ent"))).toEqual([]);
    expect(needsRenderTemplates("not-a-version")).toBe(true);
  });

  it("warns on a group without health checks", () => {
    expect(rules(lint({ checks: false }))).toEqual(["no-health-checks"]);
  });

  it("warns when a group-level service has no shutdown_delay to be drained for", () => {
    const [finding] = lint({ shutdownDelay: 0 });
    expect(finding?.rule).toBe("drain");
    expect(finding?.message).toMatch(/no shutdown_delay/);
  });

  it("warns when task-level services run on nodes whose Consul agent tagroll does not talk to", () => {
    expect(lint({ serviceAt: "task" }, "1.6.3", [])).toEqual([]);
    const [finding] = lint({ serviceAt: "task" }, "1.6.3", ["node-1", "node-2"]);
    expect(finding?.rule).toBe("drain");
    expect(finding?.message).toContain(
      "instances on node-1, node-2 are registered with another Consul agent",
    );
    expect(finding?.message).toContain("declare the service in the group");
    // A group-level service is drained by Nomad wherever it runs.
    expect(lint({}, "1.6.3", ["node-1"])).toEqual([]);
  });

  it("recognises templates that name the key or range over its folder", () => {
    const task = job({ id: "web", service: "web" }).TaskGroups[0]!.Tasks[0]!;
    expect(templatesForKey(task, "configs/web/IMAGE_TAG")).toHaveLength(1);
    expect(templatesForKey(task, "configs/webapp/IMAGE_TAG")).toHaveLength(0);
    task.Templates = [{ DestPath: "local/tag", EmbeddedTmpl: '{{ key "configs/web/IMAGE_TAG" }}' }];
    expect(templatesForKey(task, "configs/web/IMAGE_TAG")).toHaveLength(1);
    expect(templatesForKey(task, "IMAGE_TAG_OTHER")).toHaveLength(0);
  });
});

describe("lintService", () => {
  it("lints opted-in jobs and reports configured jobs that are missing or cannot roll", async () => {
    const nomad = new JobsOnlyNomad([
      job({ id: "web-a", service: "web", changeMode: "restart" }),
      job({ id: "web-batch", service: "web", optIn: false, type: "batch" }),
      job({ id: "other", service: "api" }),
    ]);
    const findings = await lintService(
      service("web", [{ id: "gone" }, { id: "web-batch" }]),
      nomad,
      {},
      "1.11.3",
      silent,
    );
    expect(findings.map((f) => [f.level, f.rule, f.job])).toEqual([
      ["error", "job-missing", "gone"],
      ["warning", "job-type", "web-batch"],
      ["warning", "change-mode", "web-a"],
    ]);
  });

  it("warns when the service has no target, or when no target renders its key", async () => {
    const none = await lintService(service("web"), new JobsOnlyNomad([]), {}, "1.11.3", silent);
    expect(rules(none)).toEqual(["no-targets"]);
    const notRendered = await lintService(
      service("web"),
      new JobsOnlyNomad([job({ id: "web", service: "web", otherTemplate: true })]),
      {},
      "1.11.3",
      silent,
    );
    expect(rules(notRendered)).toEqual(["key-not-rendered"]);
  });
});
