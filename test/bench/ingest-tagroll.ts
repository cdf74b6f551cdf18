import { PerformanceObserver } from "node:perf_hooks";
import { systemClock } from "../../src/core/clock.js";
import { createWebhookToken } from "../../src/tokens/webhook-token.js";
import { startBenchTagroll, type BenchTagroll } from "./bench-tagroll.js";
import { serveParent, startProfiler } from "./child-serve.js";

/**
 * The ingest benchmark's tagroll, alone in its own process (compiled, as `node dist/cli/main.js`
 * runs), so its CPU time is tagroll's: not the benchmark runner's, which also copies the agents'
 * log output from their pipes. Driven over IPC by ingest.ts.
 */
type Message =
  | {
      type: "start";
      consulAddr: string;
      nomadAddr: string;
      yaml: string;
      logFile: string;
      /** Services to mint one webhook token each for. */
      services: string[];
    }
  | { type: "mark" }
  /** A V8 CPU profile of a stretch of the run (--ingest-cpu-prof, ingest.ts): start, then stop into `file`. */
  | { type: "profile-start" }
  | { type: "profile-stop"; file: string }
  | { type: "since"; writes: number; batches: number; gcPauses: number };

let tagroll: BenchTagroll | undefined;
let profiler: Awaited<ReturnType<typeof startProfiler>> | undefined;

/** Garbage-collection pauses (ms) of this process, so a latency tail can be told apart from them. */
const gcPauses: number[] = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcPauses.push(entry.duration);
}).observe({ entryTypes: ["gc"] });

async function handle(message: Message): Promise<unknown> {
  switch (message.type) {
    case "start": {
      tagroll = await startBenchTagroll({
        consulAddr: message.consulAddr,
        nomadAddr: message.nomadAddr,
        yaml: message.yaml,
        coordinator: false,
        logFile: message.logFile,
        batchLog: true,
      });
      const { config, runtime } = tagroll;
      const tokens: Record<string, string> = {};
      for (const name of message.services) {
        tokens[name] = (await createWebhookToken(config.keys, config.activeKeyId, name, systemClock)).token;
      }
      return { type: "started", url: runtime.url, tokens };
    }
    case "mark": {
      const used = process.cpuUsage();
      return {
        type: "mark",
        cpuMicros: used.user + used.system,
        systemMicros: used.system,
        writes: tagroll?.kvWriteMs.length ?? 0,
        batches: tagroll?.batches.length ?? 0,
        gcPauses: gcPauses.length,
      };
    }
    case "profile-start":
      profiler = await startProfiler();
      return { type: "profiling" };
    case "profile-stop": {
      if (!profiler) throw new Error("no profile was started");
      await profiler.stop(message.file);
      profiler = undefined;
      return { type: "profiled" };
    }
    case "since":
      return {
        type: "since",
        kvWriteMs: tagroll?.kvWriteMs.slice(message.writes) ?? [],
        batches: tagroll?.batches.slice(message.batches) ?? [],
        gcPausesMs: gcPauses.slice(message.gcPauses),
      };
  }
}

serveParent(handle, () => tagroll?.close() ?? Promise.resolve());
