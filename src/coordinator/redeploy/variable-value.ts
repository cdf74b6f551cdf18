import { ValidationError } from "../../core/errors.js";
import type { JobSubmission } from "../../nomad/deploy-api.js";

/**
 * The job-variable convention (README, "Three ways a job takes its tag"):
 * `variable "image_id" {}`, `image = "…:${var.image_id}"`, run with `nomad job run -var
 * image_id=72`. Nomad (≥ 1.6) keeps that submission: the source, the `-var` flags and the
 * variable files. tagroll sets the variable as a `-var` flag would and parses the source again on
 * the agent (`/v1/jobs/parse`), which takes one variables-file text: the flags are written into it
 * and any definition of the same names in the stored files is left out, flags winning as on the
 * command line.
 */

export interface VariableApplied {
  /** The submission to store with the new version: the same source and files, the new flag. */
  submission: JobSubmission;
  /** The variables-file text for `/v1/jobs/parse`. */
  variables: string;
}

/** The variable's value in the submission (flag first, then a one-line file definition). */
export function variableValue(submission: JobSubmission, name: string): string | undefined {
  const flag = submission.VariableFlags?.[name];
  if (flag !== undefined) return flag;
  const files = submission.Variables ?? "";
  if (isJson(files)) {
    const value = (JSON.parse(files) as Record<string, unknown>)[name];
    return value === undefined ? undefined : String(value);
  }
  const line = definitionLine(name).exec(files);
  if (!line) return undefined;
  const literal = (line[1] ?? "").trim();
  return literal.startsWith('"') ? (JSON.parse(literal) as string) : literal;
}

/** The submission with `name` set to `value`, and the variables text to parse it with. */
export function withVariable(submission: JobSubmission, name: string, value: string): VariableApplied {
  if (submission.Format !== "hcl2")
    throw new ValidationError(
      `the job was submitted as ${submission.Format || "an unknown format"}; only HCL2 jobs have variables`,
    );
  const flags = { ...submission.VariableFlags, [name]: value };
  const files = withoutDefinitions(submission.Variables ?? "", Object.keys(flags));
  const flagLines = Object.entries(flags).map(([flag, v]) => `${flag} = ${hclString(v)}`);
  return {
    submission: { ...submission, VariableFlags: flags },
    variables: [files.trim(), ...flagLines].filter(Boolean).join("\n") + "\n",
  };
}

/** An HCL string literal whose text is exactly `value` (no interpolation). */
export function hclString(value: string): string {
  // Function replacements: in a replacement string "$$" would itself mean one "$".
  return JSON.stringify(value)
    .replaceAll("${", () => "$${")
    .replaceAll("%{", () => "%%{");
}

/** The variables-file text without the one-line definitions of `names`; refuses what it cannot cut. */
function withoutDefinitions(files: string, names: string[]): string {
  if (files.trim() === "") return "";
  if (isJson(files)) {
    const parsed = JSON.parse(files) as Record<string, unknown>;
    const kept = Object.entries(parsed).filter(([key]) => !names.includes(key));
    // The HCL parser reads JSON attributes the same way: a JSON object is valid variables text.
    return kept.map(([key, v]) => `${key} = ${JSON.stringify(v)}`).join("\n");
  }
  let text = files;
  for (const name of names) {
    text = text.replace(new RegExp(definitionLine(name).source, "gm"), "");
    if (new RegExp(`^\\s*${escape(name)}\\s*=`, "m").test(text))
      throw new ValidationError(
        `the job's variables file defines "${name}" over several lines; pass it with -var instead`,
      );
  }
  return text;
}

/** `name = <one-line value>`, the value in group 1 (a multi-line value does not match). */
function definitionLine(name: string): RegExp {
  return new RegExp(`^\\s*${escape(name)}\\s*=\\s*("(?:[^"\\\\]|\\\\.)*"|[^\\s\\[{<][^\\n]*?)\\s*$`, "m");
}

function isJson(text: string): boolean {
  return text.trimStart().startsWith("{");
}

function escape(name: string): string {
  return name.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&");
}
