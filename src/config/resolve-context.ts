import path from "node:path";
import type { ConfigIssue } from "./config-error.js";
import type { Origins } from "./overrides.js";
import type { ReadFile } from "./read-config-file.js";

/**
 * What the steps after schema validation share: the issue list, and reading the files that fields
 * name. A path from env or a flag is relative to the working directory; a path written in the
 * config file is relative to that file's folder, as operators expect from other tools.
 */
export interface ResolveContext {
  readonly issues: ConfigIssue[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** `server.port` → `server.port (from TAGROLL_PORT)` when env or a flag set it. */
  label(field: string): string;
  /** Whether env or a flag set this field (rather than the file). */
  overridden(field: string): boolean;
  /** Contents of the file named at `field`, or undefined (with an issue recorded). */
  readNamedFile(field: string, file: string): string | undefined;
  /** Same for a path given by an environment variable, labelled by the variable's name. */
  readEnvFile(variable: string, file: string): string | undefined;
  problem(field: string, message: string): void;
}

export interface ResolveContextOptions {
  cwd: string;
  /** Folder of the config file, when there is one. */
  configDir: string | undefined;
  origins: Origins;
  readFile: ReadFile;
  env: Readonly<Record<string, string | undefined>>;
}

export function createResolveContext(options: ResolveContextOptions): ResolveContext {
  const issues: ConfigIssue[] = [];
  const { cwd, configDir, origins, readFile } = options;

  const problem = (field: string, message: string) => issues.push({ field, message });
  const label = (field: string) => {
    const origin = origins.get(field);
    return origin === undefined ? field : `${field} (from ${origin})`;
  };
  const readAt = (field: string, file: string, base: string) => {
    const absolute = path.resolve(base, file);
    try {
      const text = readFile(absolute);
      if (text === undefined) problem(field, `file not found: ${absolute}`);
      return text;
    } catch (error) {
      problem(field, `cannot read ${absolute}: ${(error as Error).message}`);
      return undefined;
    }
  };

  return {
    issues,
    env: options.env,
    label,
    overridden: (field) => origins.has(field),
    readNamedFile: (field, file) => readAt(label(field), file, origins.has(field) ? cwd : (configDir ?? cwd)),
    readEnvFile: (variable, file) => readAt(variable, file, cwd),
    problem,
  };
}
