import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";

/** A dev agent child process whose output goes to a log file. */
export class AgentProcess {
  private exited = false;
  private exitCode: number | null = null;

  private constructor(
    readonly name: string,
    readonly logFile: string,
    private readonly child: ChildProcess,
  ) {
    child.on("exit", (code) => {
      this.exited = true;
      this.exitCode = code;
    });
  }

  /** `env` adds variables to the inherited environment (the ACL mode's Consul token for Nomad). */
  static start(
    name: string,
    binary: string,
    args: string[],
    logFile: string,
    env?: Record<string, string>,
  ): AgentProcess {
    const log = createWriteStream(logFile, { flags: "a" });
    // Own process group, so stop() can reach everything the agent started.
    const child = spawn(binary, args, {
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
      ...(env ? { env: { ...process.env, ...env } } : {}),
    });
    // Two sources into one file: neither may end it, or the other writes after the end.
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    child.once("close", () => log.end());
    return new AgentProcess(name, logFile, child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Why the agent is no longer running, or undefined while it runs. */
  exitReason(): string | undefined {
    return this.exited ? `${this.name} exited with code ${this.exitCode}` : undefined;
  }

  async logTail(lines = 40): Promise<string> {
    const text = await readFile(this.logFile, "utf8").catch(() => "");
    return text.split("\n").slice(-lines).join("\n");
  }

  /** SIGINT (a graceful leave), then SIGKILL to the whole group after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.exited || this.child.pid === undefined) return;
    const pid = this.child.pid;
    const done = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    signalGroup(pid, "SIGINT");
    const timer = setTimeout(() => signalGroup(pid, "SIGKILL"), graceMs);
    await done;
    clearTimeout(timer);
    signalGroup(pid, "SIGKILL");
  }

  /** SIGKILL to the whole group at once, as a crash or a lost machine would end it. */
  async kill(): Promise<void> {
    if (this.exited || this.child.pid === undefined) return;
    const done = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    signalGroup(this.child.pid, "SIGKILL");
    await done;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Group already gone.
  }
}
