import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { tagOnly } from "./tag-only.js";

/**
 * The real `tagroll` CLI as a child process (`node --import tsx src/cli/main.ts …`), for tests
 * that need what only a process has: argv parsing, exit codes, stdout/stderr, signals.
 * The environment is exactly what the test passes (plus PATH/HOME), never the test runner's.
 */

const ROOT = resolve(import.meta.dirname, "../..");
const MAIN = join(ROOT, "src/cli/main.ts");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function baseEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: process.env["HOME"] ?? "/root", ...env };
}

function spawnCli(args: string[], env: Record<string, string>, cwd: string): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
    cwd,
    env: baseEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Runs one command to completion (bounded by `timeoutMs`, then SIGKILL). */
export function runCli(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  const child = spawnCli(args, options.env ?? {}, options.cwd ?? ROOT);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
  return new Promise((done) => {
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

/**
 * A temp folder holding a config file, for commands that read `--config`; services that do not
 * mention digests get `digest: false` unless `pinDigests` (tag-only.ts).
 */
export async function writeConfigDir(
  yaml: string,
  options: { pinDigests?: boolean } = {},
): Promise<{ dir: string; file: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "tagroll-cli-"));
  const file = join(dir, "tagroll.yaml");
  await writeFile(file, options.pinDigests ? yaml : tagOnly(yaml));
  return { dir, file, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface ServeProcess {
  url: string;
  /** stdout lines so far (pino JSON) and stderr text. */
  output(): { lines: string[]; stderr: string };
  /** SIGTERM, then SIGKILL after `graceMs`; resolves the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

/** `tagroll serve …` in the background; resolves once it logs "tagroll serving" with its URL. */
export async function startServe(
  args: string[],
  options: { env: Record<string, string>; cwd?: string; readyTimeoutMs?: number },
): Promise<ServeProcess> {
  const child = spawnCli(["serve", ...args], options.env, options.cwd ?? ROOT);
  const lines: string[] = [];
  let stderr = "";
  let partial = "";
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((done) =>
    child.on("close", (code) => {
      exitCode = code;
      done(code);
    }),
  );
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const ready = new Promise<string>((resolveUrl, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      const parts = (partial + chunk.toString("utf8")).split("\n");
      partial = parts.pop() ?? "";
      for (const line of parts.filter(Boolean)) {
        lines.push(line);
        const entry = safeJson(line);
        if (entry?.["msg"] === "tagroll serving" && typeof entry["url"] === "string")
          resolveUrl(entry["url"]);
      }
    });
    void exited.then((code) =>
      reject(new Error(`tagroll serve exited with ${code}: ${stderr}${lines.join("\n")}`)),
    );
    setTimeout(
      () => reject(new Error(`tagroll serve not ready: ${stderr}${lines.join("\n")}`)),
      options.readyTimeoutMs ?? 60_000,
    );
  });
  const stop = async (graceMs = 10_000) => {
    if (exitCode !== undefined) return exitCode;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  try {
    const url = await ready;
    return { url, output: () => ({ lines: [...lines], stderr }), stop };
  } catch (error) {
    await stop(1_000);
    throw error;
  }
}

function safeJson(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
