import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ServiceConfig } from "../../../src/config/types.js";
import type { CoordinatorEvent } from "../../../src/coordinator/index.js";
import { consulAddr, nomadAddr } from "../../helpers/cluster.js";
import type { Timed } from "./harness.js";
import type { RestartCall } from "./wiring.js";

const SCRIPT = fileURLToPath(new URL("./coordinator-process.ts", import.meta.url));

/** A coordinator in a child process (see coordinator-process.ts) whose output is collected here. */
export class CoordinatorProcess {
  readonly events: Array<Timed<CoordinatorEvent>> = [];
  readonly restarts: RestartCall[] = [];
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  constructor(
    service: ServiceConfig,
    leaderKey: string,
    readonly instanceId: string,
  ) {
    const dir = join(process.cwd(), "test-artifacts", "coordinator");
    mkdirSync(dir, { recursive: true });
    const args = {
      consul: consulAddr(),
      nomad: nomadAddr(),
      service,
      leaderKey,
      instanceId,
      log: join(dir, `${instanceId}.log`),
    };
    this.child = spawn(process.execPath, ["--import", "tsx", SCRIPT, JSON.stringify(args)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let buffer = "";
    this.child.stdout?.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const raw of lines) this.take(raw);
    });
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill("SIGTERM");
    await this.exited;
  }

  private take(raw: string): void {
    if (!raw.trim()) return;
    const line = JSON.parse(raw) as {
      kind: string;
      wall?: number;
      event?: CoordinatorEvent;
      allocId?: string;
      at?: number;
    };
    if (line.kind === "event" && line.event)
      this.events.push({ wall: line.wall ?? Date.now(), event: line.event });
    if (line.kind === "restart" && line.allocId)
      this.restarts.push({ allocId: line.allocId, at: line.at ?? Date.now() });
  }
}
