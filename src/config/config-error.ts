import { ValidationError } from "../core/errors.js";

/** One problem with the configuration, located by the field it concerns. */
export interface ConfigIssue {
  /** Field path as an operator writes it, e.g. `services[1].name` or `server.port (from TAGROLL_PORT)`. */
  field: string;
  message: string;
}

/**
 * Every problem found while loading the configuration, reported together so an operator fixes
 * them in one pass instead of one restart per typo (README,
 * "Configuration": everything is validated at start-up, each problem with its field).
 */
export class ConfigError extends ValidationError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const lines = issues.map((issue) => `  ${issue.field}: ${issue.message}`);
    super(`invalid configuration:\n${lines.join("\n")}`);
    this.name = "ConfigError";
    this.issues = issues;
  }
}

/** `["services", 1, "name"]` → `services[1].name`. */
export function formatFieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "(root)" : out;
}

/** Design: secrets are "never from the YAML in plain text by default". */
export function plaintextRefused(instead: string): string {
  return `plaintext secrets in the config file are refused; use ${instead}, or set allowPlaintextSecrets: true`;
}
