import { access, constants } from "node:fs/promises";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { buildAgent, type ProgressSink } from "./build-agent.js";
import type { AgentPin } from "./pins.js";
import { runCommand } from "./run-command.js";

/** Oldest versions whose behaviour the product relies on (render_templates arrived in Nomad 1.6.2). */
const MINIMUM: Record<AgentPin["name"], [number, number, number]> = {
  consul: [1, 14, 0],
  nomad: [1, 6, 2],
};

export interface ResolvedBinary {
  path: string;
  version: string;
  from: "env" | "path" | "cache" | "built";
}

export interface ResolveOptions {
  env?: NodeJS.ProcessEnv;
  progress?: ProgressSink;
  /** When false, fail instead of building (e.g. `tagroll dev --no-build`). */
  allowBuild?: boolean;
}

/** `${XDG_CACHE_HOME:-$HOME/.cache}/tagroll/bin` — outside the repository, shared by every clone. */
export function binaryCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), ".cache");
  return join(base, "tagroll", "bin");
}

/**
 * Finds a Consul or Nomad binary: `$CONSUL_BIN`/`$NOMAD_BIN`, then the one on PATH (if new
 * enough), then the cache, then a build from the Go module proxy at the pinned version.
 */
export async function resolveBinary(pin: AgentPin, options: ResolveOptions = {}): Promise<ResolvedBinary> {
  const env = options.env ?? process.env;
  const progress = options.progress ?? (() => {});
  const envName = `${pin.name.toUpperCase()}_BIN`;
  const fromEnv = env[envName];
  if (fromEnv) {
    const version = await binaryVersion(fromEnv).catch((err: Error) => {
      throw new Error(`${envName}=${fromEnv} cannot be run: ${err.message}`);
    });
    assertSupported(pin, version, `${envName}=${fromEnv}`);
    return { path: fromEnv, version, from: "env" };
  }

  const onPath = await findOnPath(pin.name, env.PATH ?? "");
  if (onPath) {
    const version = await binaryVersion(onPath).catch(() => undefined);
    if (version && isSupported(pin, version)) return { path: onPath, version, from: "path" };
    progress(
      `${pin.name} on PATH (${onPath}, ${version ?? "unknown version"}) is too old; using the pinned build`,
    );
  }

  const cached = join(binaryCacheDir(env), `${pin.name}-${pin.version}`);
  if (await isExecutable(cached)) return { path: cached, version: pin.version, from: "cache" };

  if (options.allowBuild === false) {
    throw new Error(
      `${pin.name} not found: set ${envName}, put ${pin.name} on PATH, or build it with 'tagroll agents install'`,
    );
  }
  await buildAgent(pin, cached, progress);
  return { path: cached, version: await binaryVersion(cached), from: "built" };
}

/** `consul version` → "1.22.7"; `nomad version` → "1.11.3". */
export async function binaryVersion(path: string): Promise<string> {
  const { stdout } = await runCommand(path, ["version"], { timeoutMs: 30_000 });
  const m = /v(\d+\.\d+\.\d+)/.exec(stdout);
  if (!m?.[1]) throw new Error(`unexpected version output: ${stdout.slice(0, 200)}`);
  return m[1];
}

function isSupported(pin: AgentPin, version: string): boolean {
  const have = version.split(".").map(Number);
  const want = MINIMUM[pin.name];
  for (let i = 0; i < 3; i++) {
    const a = have[i] ?? 0;
    const b = want[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

function assertSupported(pin: AgentPin, version: string, what: string): void {
  if (!isSupported(pin, version)) {
    throw new Error(
      `${what} is ${pin.name} ${version}; tagroll needs ${pin.name} >= ${MINIMUM[pin.name].join(".")}`,
    );
  }
}

async function findOnPath(name: string, pathVar: string): Promise<string | undefined> {
  for (const dir of pathVar.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
