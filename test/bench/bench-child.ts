import { execFileSync, fork, type ChildProcess } from "node:child_process";
import { basename, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

/**
 * A TypeScript module of test/bench/ in its own Node process (through tsx, as the runner runs), with
 * an IPC channel. Load generators and the measured tagroll of the scale benchmark run this way so
 * a client never shares an event loop (or an RSS/CPU figure) with what it measures.
 */
export class BenchChild {
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;

  /**
   * `compiled`: the module as compileBenchChild() bundled it to plain JavaScript, run without tsx, as `node dist/cli/main.js` runs in production. tsx's
   * loader thread alone holds about 40 MiB of RSS, which a measured tagroll must not be charged.
   */
  constructor(module: string, options: { compiled?: string } = {}) {
    const file = options.compiled ?? fileURLToPath(new URL(module, import.meta.url));
    this.child = fork(file, [], {
      execArgv: options.compiled ? [] : ["--import", "tsx"],
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
    const reply = this.next<T>(replyType, timeoutMs);
    this.child.send(message as object);
    return reply;
  }

  /** The next message whose `type` is `type` (a reply, or a report the child sends on its own). */
  next<T>(type: string, timeoutMs = 600_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => finish(new Error(`no ${type} from child after ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onMessage = (reply: { type?: string; error?: string }) => {
        if (reply.type === "error") finish(new Error(reply.error ?? "child failed"));
        else if (reply.type === type) finish(undefined, reply as T);
      };
      const onExit = (code: number | null) => finish(new Error(`child exited (${code}) before ${type}`));
      const finish = (err?: Error, value?: T) => {
        clearTimeout(timer);
        this.child.off("message", onMessage);
        this.child.off("exit", onExit);
        if (err) reject(err);
        else resolve(value as T);
      };
      this.child.on("message", onMessage);
      this.child.once("exit", onExit);
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGTERM");
    await this.exited;
  }
}

let built = false;

/**
 * The child as one ES module: test/bench/ code inlined, tagroll's own modules taken from dist/
 * (built here once per run, `npm run build`, so they are this tree's code and the status page
 * finds its browser files beside them), packages from node_modules. Written under test-artifacts/.
 */
export async function compileBenchChild(module: string): Promise<string> {
  const source = fileURLToPath(new URL(module, import.meta.url));
  const root = fileURLToPath(new URL("../../", import.meta.url));
  if (!built) {
    execFileSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: "inherit" });
    built = true;
  }
  const src = join(root, "src") + sep;
  const toDist: Plugin = {
    name: "tagroll-from-dist",
    setup(context) {
      context.onResolve({ filter: /^\.{1,2}\// }, (args) => {
        const target = resolve(args.resolveDir, args.path);
        if (!target.startsWith(src)) return undefined;
        return { path: join(root, "dist", target.slice(src.length)), external: true };
      });
    },
  };
  const outfile = join(
    root,
    "test-artifacts",
    "bench",
    "compiled",
    basename(source).replace(/\.ts$/, ".mjs"),
  );
  await build({
    entryPoints: [source],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    plugins: [toDist],
    logLevel: "warning",
  });
  return outfile;
}
