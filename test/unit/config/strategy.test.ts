import { describe, expect, it } from "vitest";
import { issuesOf, load, WEB_SERVICE } from "./config-fixtures.js";

const withStrategy = (lines: string) => ({ "/srv/tagroll.yaml": `${WEB_SERVICE}    strategy:${lines}\n` });

describe("a service's strategy", () => {
  it("is absent (restart) by default", () => {
    expect(load({ "/srv/tagroll.yaml": WEB_SERVICE }).services[0]?.strategy).toBeUndefined();
  });

  it("takes restart or a redeploy of a meta key or a variable", () => {
    expect(load(withStrategy(" restart")).services[0]?.strategy).toEqual({ kind: "restart" });
    expect(load(withStrategy("\n      redeploy: meta.VERSION")).services[0]?.strategy).toEqual({
      kind: "redeploy",
      field: { kind: "meta", name: "VERSION" },
    });
    expect(load(withStrategy("\n      redeploy: variable.image_id")).services[0]?.strategy).toEqual({
      kind: "redeploy",
      field: { kind: "variable", name: "image_id" },
    });
  });

  it("refuses another field, saying what is accepted", () => {
    const issues = issuesOf(() => load(withStrategy("\n      redeploy: env.IMAGE")));
    expect(issues.map((i) => `${i.field}: ${i.message}`).join("\n")).toMatch(/meta\.<KEY>.*variable\.<name>/);
  });
});
