import type { ReadFile } from "../../../src/config/read-config-file.js";
import { loadConfig, type LoadConfigOptions } from "../../../src/config/load-config.js";
import { ConfigError, type ConfigIssue } from "../../../src/config/config-error.js";

/** 32 and 48 random-looking bytes, base64: valid signing secrets. */
export const SECRET_A = Buffer.alloc(32, 7).toString("base64");
export const SECRET_B = Buffer.alloc(48, 9).toString("base64");
export const KEYS_ENV = { TAGROLL_SIGNING_KEYS: `k1:${SECRET_A}` };

/** A read-only in-memory file system; also records which paths were asked for. */
export function memoryFiles(files: Record<string, string>): ReadFile & { reads: string[] } {
  const reads: string[] = [];
  const read = (path: string) => {
    reads.push(path);
    return files[path];
  };
  return Object.assign(read, { reads });
}

export function load(files: Record<string, string>, options: Omit<LoadConfigOptions, "readFile"> = {}) {
  return loadConfig({ cwd: "/srv", env: KEYS_ENV, ...options, readFile: memoryFiles(files) });
}

/** The issues of the ConfigError `run` throws; fails the test when it does not throw one. */
export function issuesOf(run: () => unknown): ConfigIssue[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
  throw new Error("expected a ConfigError");
}

export const WEB_SERVICE = "services:\n  - name: web\n    image: docker.io/acme/web\n";
