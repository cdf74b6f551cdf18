import { spawn, type ChildProcess } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { waitFor } from "../../helpers/cluster.js";

/**
 * `tagroll dev` as a user runs it behind a pipe (`tagroll dev | cat`, the shape of
 * `npx tagroll dev | tee dev.log`), in a process group of its own so a test can send the group a
 * signal as a closing terminal does, and what it leaves running, found without its help.
 */

const ROOT = resolve(import.meta.dirname, "../../..");

export interface DevRun {
  /** The shell running the pipeline; its pid is the group's id. */
  shell: ChildProcess;
  /** Every line that came through the pipe so far. */
  lines: string[];
  exited: Promise<void>;
  /** Sends `signal` to the whole pipeline, as the terminal does on Ctrl-C or when it closes. */
  signalGroup(signal: NodeJS.Signals): void;
}

export function startDevBehindPipe(port: number, env: Record<string, string>): DevRun {
  const command = `exec 2>&1; ${process.execPath} --import tsx src/cli/main.ts dev --port ${port} | cat`;
  const shell = spawn("sh", ["-c", command], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "ignore"],
    detached: true,
  });
  const lines: string[] = [];
  let partial = "";
  shell.stdout?.on("data", (chunk: Buffer) => {
    const parts = (partial + chunk.toString("utf8")).split("\n");
    partial = parts.pop() ?? "";
    lines.push(...parts);
  });
  const exited = new Promise<void>((done) => shell.once("exit", () => done()));
  return {
    shell,
    lines,
    exited,
    signalGroup: (signal) => {
      try {
        if (shell.pid !== undefined) process.kill(-shell.pid, signal);
      } catch {
        // The whole group is gone already.
      }
    },
  };
}

/** Waits for the line that ends the start-up and reads what was printed before it. */
export async function waitUntilReady(run: DevRun, timeoutMs = 240_000) {
  await waitFor(
    "tagroll dev to be ready",
    async () => {
      if (run.shell.exitCode !== null) throw new Error("tagroll dev exited");
      return run.lines.some((l) => l.includes("Ctrl-C stops everything"));
    },
    { timeoutMs, intervalMs: 500 },
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${run.lines.join("\n")}`);
  });
  const exportLine = run.lines.find((l) => l.trim().startsWith("export ")) ?? "";
  const addresses = run.lines.find((l) => l.includes("Consul http")) ?? "";
  const consul = /Consul (http:\/\/\S+)/.exec(addresses)?.[1] ?? "";
  const nomad = /Nomad (http:\/\/\S+)/.exec(addresses)?.[1] ?? "";
  const tagroll = /tagroll (http:\/\/\S+)/.exec(addresses)?.[1] ?? "";
  return { exportLine: exportLine.trim(), consul, nomad, tagroll };
}

/** Everything a dev cluster runs, found from the outside: its agents, executors and tasks. */
export interface ClusterFootprint {
  /** The directory Nomad's config and data dir are in; every Nomad process refers to it. */
  dir: string;
  consulHttpPort: string;
  addresses: string[];
}

export async function footprint(consul: string, nomad: string, tagroll: string): Promise<ClusterFootprint> {
  const self = (await (await fetch(`${nomad}/v1/agent/self`)).json()) as { config: { DataDir: string } };
  return {
    dir: dirname(self.config.DataDir),
    consulHttpPort: new URL(consul).port,
    addresses: [consul, nomad, tagroll],
  };
}

/**
 * Pids of the processes that belong to the cluster: Consul by its HTTP port, the rest by the dir
 * in their command line or environment (Nomad's executors and tasks name its data dir; the
 * agents' helpers, nomad logmon, inherit the cluster's dir through TAGROLL_DEV_CLUSTER).
 */
export async function processesOf(print: ClusterFootprint): Promise<number[]> {
  const found: number[] = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const [cmdline, environ] = await Promise.all(
      ["cmdline", "environ"].map((f) => readFile(`/proc/${name}/${f}`, "utf8").catch(() => "")),
    );
    const args = (cmdline ?? "").split("\0");
    const isConsul =
      args.includes("-http-port") && args[args.indexOf("-http-port") + 1] === print.consulHttpPort;
    if (isConsul || `${cmdline}\n${environ}`.includes(print.dir)) found.push(Number(name));
  }
  return found;
}

/** True when nothing answers on any of the addresses any more. */
export async function addressesFree(addresses: string[]): Promise<boolean> {
  const answers = await Promise.all(
    addresses.map((a) =>
      fetch(a, { signal: AbortSignal.timeout(2_000) }).then(
        () => true,
        () => false,
      ),
    ),
  );
  return answers.every((answered) => !answered);
}

/** Kills what a failed test left behind, so the machine stays clean whatever happened. */
export async function killAll(pids: number[]): Promise<void> {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Gone already.
    }
  }
}
