import { describe, expect, it } from "vitest";
import { jobConventions } from "../../../../src/check/job-conventions.js";
import { lintConvention } from "../../../../src/check/lint-redeploy.js";
import type { ServiceConfig } from "../../../../src/config/types.js";
import type { NomadJob } from "../../../../src/nomad/nomad-api.js";
import { job, service } from "./check-fixtures.js";

const KEY = "configs/web/IMAGE_TAG";

/** The fixture job with its template replaced by an image interpolation, as the examples in deploy/ do. */
function imageJob(image: string, meta: Record<string, string> = {}, update = true, checks = true): NomadJob {
  const j = job({ id: "web", service: "web", checks });
  j.Meta = { ...j.Meta, ...meta };
  const group = j.TaskGroups[0]!;
  if (update) group.Update = { MaxParallel: 1 };
  for (const task of group.Tasks) {
    task.Templates = [];
    Object.assign(task, { Config: { image } });
  }
  return j;
}

function redeploy(kind: "meta" | "variable", name: string): ServiceConfig {
  return { ...service("web"), strategy: { kind: "redeploy", field: { kind, name } } };
}

const rules = (findings: Array<{ rule: string; level: string }>) =>
  findings.map((f) => `${f.level}:${f.rule}`);

describe("job conventions", () => {
  it("recognises a template, job meta and a job variable", () => {
    expect(jobConventions(job({ id: "web", service: "web" }), KEY)).toEqual([{ kind: "template" }]);
    expect(jobConventions(imageJob("acme/web:${NOMAD_META_VERSION}", { VERSION: "1" }), KEY)).toEqual([
      { kind: "meta", name: "VERSION" },
    ]);
    expect(jobConventions(imageJob("acme/web:${meta.version}", { version: "1" }), KEY)).toEqual([
      { kind: "meta", name: "version" },
    ]);
    const source =
      'variable "image_id" {}\njob "web" { task "t" { config { image = "acme/web:${var.image_id}" } } }';
    expect(jobConventions(imageJob("acme/web:72"), KEY, source)).toEqual([
      { kind: "variable", name: "image_id" },
    ]);
  });

  it("recognises a variable handed to a task as a tag-named env variable, not any variable", () => {
    const source =
      'env {\n  IMAGE_TAG = "${var.image_id}"\n  LOG_LEVEL = var.log_level\n}\nconfig {\n  image = var.image\n}';
    expect(jobConventions(imageJob("x"), KEY, source)).toEqual([
      { kind: "variable", name: "image" },
      { kind: "variable", name: "image_id" },
    ]);
  });

  it("ignores a meta interpolation of a key the job does not set", () => {
    expect(jobConventions(imageJob("acme/web:${NOMAD_META_VERSION}"), KEY)).toEqual([]);
  });
});

describe("lintConvention", () => {
  it("says which strategy a meta or variable job needs", () => {
    const findings = lintConvention(
      redeploy("meta", "VERSION"),
      imageJob("a:${NOMAD_META_VERSION}", { VERSION: "1" }),
      [{ kind: "meta", name: "VERSION" }],
    );
    expect(findings).toEqual([
      expect.objectContaining({
        level: "info",
        rule: "convention",
        message: "takes its tag from job meta VERSION: needs strategy { redeploy: meta.VERSION }",
      }),
    ]);
  });

  it("warns when the service's strategy is not the one the job uses", () => {
    const j = imageJob("a:${NOMAD_META_VERSION}", { VERSION: "1" });
    const findings = lintConvention(service("web"), j, [{ kind: "meta", name: "VERSION" }]);
    expect(rules(findings)).toEqual(["info:convention", "warning:strategy"]);
    expect(findings[1]?.message).toContain("set strategy: { redeploy: meta.VERSION }");
    expect(
      rules(lintConvention(redeploy("variable", "tag"), j, [{ kind: "meta", name: "VERSION" }])),
    ).toContain("warning:strategy");
  });

  it("says nothing about a template job rolled out by restarts", () => {
    expect(
      lintConvention(service("web"), job({ id: "web", service: "web" }), [{ kind: "template" }]),
    ).toEqual([]);
  });

  it("warns when a redeploy job has no update block or no health checks", () => {
    const bare = imageJob("a:${NOMAD_META_VERSION}", { VERSION: "1" }, false, false);
    const findings = lintConvention(redeploy("meta", "VERSION"), bare, [{ kind: "meta", name: "VERSION" }]);
    expect(rules(findings)).toEqual([
      "info:convention",
      "warning:redeploy-update",
      "warning:no-health-checks",
    ]);
    expect(findings[1]?.message).toMatch(/replaces every allocation at once/);
  });

  it("warns when a redeploy field is used by no image", () => {
    const findings = lintConvention(redeploy("variable", "image_id"), imageJob("a:1"), []);
    expect(findings).toEqual([
      expect.objectContaining({ rule: "strategy", message: expect.stringContaining("${var.image_id}") }),
    ]);
  });
});
