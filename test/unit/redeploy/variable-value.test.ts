import { describe, expect, it } from "vitest";
import { variableValue, withVariable } from "../../../src/coordinator/redeploy/index.js";
import { ValidationError } from "../../../src/core/errors.js";
import type { JobSubmission } from "../../../src/nomad/deploy-api.js";

const source = 'variable "image_id" {}\njob "web" {}\n';

function submission(overrides: Partial<JobSubmission> = {}): JobSubmission {
  return { Source: source, Format: "hcl2", VariableFlags: { image_id: "72" }, Variables: "", ...overrides };
}

describe("job variable value", () => {
  it("sets the variable as a -var flag would and keeps the source and the other flags", () => {
    const applied = withVariable(
      submission({ VariableFlags: { image_id: "72", region: "eu" } }),
      "image_id",
      "73",
    );
    expect(applied.submission).toEqual({
      Source: source,
      Format: "hcl2",
      VariableFlags: { image_id: "73", region: "eu" },
      Variables: "",
    });
    expect(applied.variables).toBe('image_id = "73"\nregion = "eu"\n');
  });

  it("drops a one-line definition of a flagged name from the variable files, flags winning", () => {
    const files = 'image_id = "70"\ncount = 3\n# a comment\n';
    const applied = withVariable(submission({ VariableFlags: null, Variables: files }), "image_id", "73");
    expect(applied.variables).toBe('count = 3\n# a comment\nimage_id = "73"\n');
    expect(applied.submission.Variables).toBe(files); // stored as submitted
  });

  it("reads JSON variable files as well", () => {
    const applied = withVariable(
      submission({ VariableFlags: {}, Variables: '{"image_id": "70", "count": 3}' }),
      "image_id",
      "73",
    );
    expect(applied.variables).toBe('count = 3\nimage_id = "73"\n');
  });

  it("refuses a multi-line definition it cannot cut out, saying what to do", () => {
    const files = "image_id = <<EOT\n70\nEOT\n";
    expect(() => withVariable(submission({ Variables: files }), "image_id", "73")).toThrow(
      /pass it with -var/,
    );
  });

  it("refuses a job not submitted as HCL2", () => {
    expect(() => withVariable(submission({ Format: "json" }), "image_id", "1")).toThrow(ValidationError);
  });

  it("writes values that look like interpolations as plain text", () => {
    expect(withVariable(submission(), "image_id", 'a"${b}%{c}').variables).toBe(
      'image_id = "a\\"$${b}%%{c}"\n',
    );
  });

  it("reads the current value from the flags, else from a one-line file definition", () => {
    expect(variableValue(submission(), "image_id")).toBe("72");
    expect(
      variableValue(submission({ VariableFlags: null, Variables: 'image_id = "71"\n' }), "image_id"),
    ).toBe("71");
    expect(variableValue(submission({ VariableFlags: null, Variables: "image_id = 71\n" }), "image_id")).toBe(
      "71",
    );
    expect(variableValue(submission({ VariableFlags: null, Variables: '{"image_id": 9}' }), "image_id")).toBe(
      "9",
    );
    expect(variableValue(submission({ VariableFlags: null }), "image_id")).toBeUndefined();
  });
});
