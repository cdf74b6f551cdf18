import { describe, expect, it } from "vitest";
import { carriesMeta, metaValues, withMetaValue } from "../../../src/coordinator/redeploy/index.js";
import type { JobJson } from "../../../src/nomad/deploy-api.js";

function job(overrides: Partial<JobJson> = {}): JobJson {
  return {
    ID: "web",
    Namespace: "default",
    Version: 3,
    JobModifyIndex: 120,
    Meta: { VERSION: "1.0.0", tagroll_service: "web" },
    TaskGroups: [{ Name: "web", Tasks: [{ Name: "web", Meta: null }] }],
    Priority: 50,
    ...overrides,
  };
}

describe("job meta value", () => {
  it("sets the key in the job's meta and keeps every other field as it was", () => {
    const before = job();
    const after = withMetaValue(before, "VERSION", "1.0.1");
    expect(after.Meta).toEqual({ VERSION: "1.0.1", tagroll_service: "web" });
    expect({ ...after, Meta: before.Meta }).toEqual(before);
    expect(before.Meta?.["VERSION"]).toBe("1.0.0"); // the input is not changed
  });

  it("also changes a group or task that sets the key itself, since it would shadow the job's", () => {
    const shadowed = job({
      TaskGroups: [
        { Name: "a", Meta: { VERSION: "0.9" }, Tasks: [{ Name: "t", Meta: { VERSION: "0.8", OTHER: "x" } }] },
        { Name: "b", Meta: { OTHER: "y" }, Tasks: [{ Name: "u" }] },
      ],
    });
    const after = withMetaValue(shadowed, "VERSION", "2");
    expect(metaValues(after, "VERSION")).toEqual(["2", "2", "2"]);
    expect(after.TaskGroups[1]?.Meta).toEqual({ OTHER: "y" });
    expect(after.TaskGroups[0]?.Tasks[0]?.Meta).toEqual({ VERSION: "2", OTHER: "x" });
  });

  it("adds the key to a job without meta", () => {
    expect(withMetaValue(job({ Meta: null }), "VERSION", "1").Meta).toEqual({ VERSION: "1" });
  });

  it("carries a value only when every place that sets the key holds it", () => {
    expect(carriesMeta(job(), "VERSION", "1.0.0")).toBe(true);
    expect(carriesMeta(job(), "VERSION", "1.0.1")).toBe(false);
    expect(carriesMeta(job({ Meta: null }), "VERSION", "1.0.0")).toBe(false);
    const mixed = job({ TaskGroups: [{ Name: "a", Meta: { VERSION: "0.9" }, Tasks: [] }] });
    expect(carriesMeta(mixed, "VERSION", "1.0.0")).toBe(false);
  });
});
