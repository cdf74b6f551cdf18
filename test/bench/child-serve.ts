import { mkdir, writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import { dirname } from "node:path";

/**
 * The child side of a BenchChild (bench-child.ts): answers each IPC message with what `handle`
 * resolves (or `{ type: "error" }`), and on SIGTERM runs `close` before exiting. Kept apart from
 * bench-child.ts, which imports esbuild: a measured child must not load it.
 */
export function serveParent<M>(handle: (message: M) => Promise<unknown>, close: () => Promise<void>): void {
  process.on("message", (message: M) => {
    handle(message).then(
      (reply) => process.send?.(reply),
      (err: Error) => process.send?.({ type: "error", error: err.message }),
    );
  });
  process.once("SIGTERM", () => {
    void close().finally(() => process.exit(0));
  });
}

/** V8's sampling profiler through the inspector; `stop` writes a .cpuprofile (Chrome DevTools). */
export async function startProfiler(): Promise<{ stop: (file: string) => Promise<void> }> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  return {
    stop: async (file: string) => {
      const { profile } = await session.post("Profiler.stop");
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}
