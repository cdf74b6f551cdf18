import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * A TypeScript module of test/bench/ in its own Node process (through tsx, as the runner runs), with
 * an IPC channel. Load generators and the measured tagroll of the scale benchmark run this way so
 * a client never shares an event loop (or an RSS/CPU figure) with what it measures.
 */
export class BenchChild {
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;

  constructor(module: string) {
    const file = fileURLToPath(new URL(module, import.meta.url));
    this.child = fork(file, [], {
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    this.exited = new Promise((resolve) => this.child.once("exit", () => resolve()));
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error("child process did not start");
    return this.child.pid;
  }

  /** Sends `message` and resolves with the next message whose `type` is `replyType`. */
  ask<T>(message: unknown, replyType: string, timeoutMs = 600_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => finish(new Error(`no ${replyType} from child after ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onMessage = (reply: { type?: string; error?: string }) => {
        if (reply.type === "error") finish(new Error(reply.error ?? "child failed"));
        else if (reply.type === replyType) finish(undefined, reply as T);
      };
      const onExit = (code: number | null) => finish(new Error(`child exited (${code}) before ${replyType}`));
      const finish = (err?: Error, value?: T) => {
        clearTimeout(timer);
        this.child.off("message", onMessage);
        this.child.off("exit", onExit);
        if (err) reject(err);
        else resolve(value as T);
      };
      this.child.on("message", onMessage);
      this.child.once("exit", onExit);
      this.child.send(message as object);
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGTERM");
    await this.exited;
  }
}
