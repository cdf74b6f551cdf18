import path from "node:path";
import { loadAll } from "js-yaml";
import type { ConfigFlags, Env } from "./config-flags.js";
import { ConfigError } from "./config-error.js";

/** Reads a file as UTF-8; undefined when it does not exist. Injected so tests use a map. */
export type ReadFile = (path: string) => string | undefined;

export interface ConfigFile {
  path: string;
  data: Record<string, unknown>;
}

const NAMES = ["tagroll.yaml", "tagroll.yml", "tagroll.json"];

/**
 * Where to look when neither `--config` nor TAGROLL_CONFIG names a file (README,
 * "Configuration": ./tagroll.yaml, ./config/, /etc/tagroll/), first found wins. Each folder may hold a .yaml, .yml or .json.
 */
export function configSearchPaths(cwd: string): string[] {
  const folders = [cwd, path.join(cwd, "config"), "/etc/tagroll"];
  return folders.flatMap((folder) => NAMES.map((name) => path.join(folder, name)));
}

/**
 * Finds and parses the configuration file. No file at all is fine (env and flags may carry
 * everything); a file named explicitly that does not exist, or that does not parse, is an error.
 */
export function readConfigFile(
  flags: ConfigFlags,
  env: Env,
  cwd: string,
  readFile: ReadFile,
): ConfigFile | undefined {
  const [named, field] =
    flags.config !== undefined ? [flags.config, "--config"] : [env["TAGROLL_CONFIG"], "TAGROLL_CONFIG"];
  if (named !== undefined && named !== "") {
    const file = path.resolve(cwd, named);
    const text = read(readFile, file, field);
    if (text === undefined) throw new ConfigError([{ field, message: `file not found: ${file}` }]);
    return { path: file, data: parse(file, text) };
  }
  for (const file of configSearchPaths(cwd)) {
    const text = read(readFile, file, file);
    if (text !== undefined) return { path: file, data: parse(file, text) };
  }
  return undefined;
}

function read(readFile: ReadFile, file: string, field: string): string | undefined {
  try {
    return readFile(file);
  } catch (error) {
    throw new ConfigError([{ field, message: `cannot read ${file}: ${(error as Error).message}` }]);
  }
}

/**
 * YAML 1.2 (the core schema: `yes` stays a string, dates stay strings) through js-yaml, which
 * reads a 10,000-service file in a fraction of the time and memory the `yaml` package takes
 * (BENCHMARKS.md, "Scale"). An empty file, or one holding only comments, is no settings.
 */
function parseYaml(text: string): unknown {
  const documents = loadAll(text);
  if (documents.length > 1) throw new Error("expected one YAML document, found " + String(documents.length));
  return documents[0];
}

function parse(file: string, text: string): Record<string, unknown> {
  let data: unknown;
  try {
    data = file.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError([{ field: file, message: `does not parse: ${(error as Error).message}` }]);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== "object" || Array.isArray(data)) {
    throw new ConfigError([{ field: file, message: "must hold a mapping of settings at the top level" }]);
  }
  return data as Record<string, unknown>;
}
