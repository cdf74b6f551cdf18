import { readFile } from "node:fs/promises";
import { cpus, loadavg, totalmem } from "node:os";
import { CONSUL_PIN, NOMAD_PIN } from "../../src/agents/pins.js";
import { resolveBinary } from "../../src/agents/resolve-binary.js";
import { runCommand } from "../../src/agents/run-command.js";
import { haproxyVersion } from "./haproxy.js";

/** Where and with what a benchmark ran, printed above its table. */
export interface BenchEnvironment {
  command: string;
  date: string;
  machine: string;
  versions: string;
}

export async function describeEnvironment(command: string): Promise<BenchEnvironment> {
  const consul = await resolveBinary(CONSUL_PIN);
  const nomad = await resolveBinary(NOMAD_PIN);
  const pkg = JSON.parse(await readFile("package.json", "utf8")) as { version: string };
  const model = cpus()[0]?.model.trim() ?? "unknown CPU";
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
  return {
    command,
    date: new Date().toISOString(),
    machine:
      `${await nproc()} CPUs (nproc), ${model}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ` +
      `${process.platform}/${process.arch}; load average at start ${load} ` +
      "(a shared machine: other engineers' builds and tests run alongside)",
    versions:
      `tagroll ${pkg.version} (${await gitRevision()}), Node ${process.version}, Consul ${consul.version}, ` +
      `Nomad ${nomad.version}, HAProxy ${await haproxyVersion()}`,
  };
}

export function environmentMarkdown(env: BenchEnvironment): string {
  return [
    `- Command: \`${env.command}\``,
    `- Date: ${env.date}`,
    `- Machine: ${env.machine}`,
    `- Versions: ${env.versions}`,
  ].join("\n");
}

async function nproc(): Promise<string> {
  return (await runCommand("nproc", []).catch(() => ({ stdout: `${cpus().length}` }))).stdout.trim();
}

/** Short commit, and a mark when the working tree differs from it (others edit the same checkout). */
async function gitRevision(): Promise<string> {
  try {
    const head = (await runCommand("git", ["rev-parse", "--short", "HEAD"])).stdout.trim();
    const dirty = (await runCommand("git", ["status", "--porcelain", "--untracked-files=no"])).stdout.trim();
    return dirty ? `commit ${head} + uncommitted changes in the working tree` : `commit ${head}`;
  } catch {
    return "no git revision";
  }
}
