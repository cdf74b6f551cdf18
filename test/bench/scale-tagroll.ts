import { subscribe } from "node:diagnostics_channel";
import type { ClientRequest } from "node:http";
import { join } from "node:path";
import { writeHeapSnapshot } from "node:v8";
import { startBenchTagroll, type BenchTagroll } from "./bench-tagroll.js";
import { serveParent, startProfiler } from "./child-serve.js";

/**
 * The scale benchmark's tagroll, alone in its own process so its RSS and CPU time are tagroll's
 * (plus Node and tsx), not the benchmark runner's. Driven over IPC by scale.ts.
 */
type Message =
  | { type: "start"; consulAddr: string; nomadAddr: string; services: number; logFile: string }
  | { type: "blocking" }
  | { type: "measure"; buckets: number; bucketMs: number; profileFile?: string; heapSnapshotDir?: string };

let tagroll: BenchTagroll | undefined;

/**
 * Blocking queries in flight, seen from inside without touching tagroll: every HTTP request this
 * process sends with `index=` in its query (Consul's blocking-query parameter), until it closes.
 */
const blocking = new Set<ClientRequest>();
subscribe("http.client.request.start", (message) => {
  const request = (message as { request: ClientRequest }).request;
  if (!/[?&]index=/.test(request.path)) return;
  blocking.add(request);
  request.once("close", () => blocking.delete(request));
});

/** `configs/svc-<i>/IMAGE_TAG` for every service (the default key), one distinct prefix each. */
function yamlFor(services: number): string {
  const lines = ["services:"];
  // digest: false written here (the images are on no registry), so the measured process never
  // parses the file with test/helpers/tag-only.ts (the `yaml` package), only as tagroll does.
  for (let i = 0; i < services; i++)
    lines.push(`  - name: svc-${i}`, `    image: acme/svc-${i}`, "    digest: false");
  return `${lines.join("\n")}\n`;
}

async function handle(message: Message): Promise<unknown> {
  switch (message.type) {
    case "start":
      tagroll = await startBenchTagroll({
        consulAddr: message.consulAddr,
        nomadAddr: message.nomadAddr,
        yaml: yamlFor(message.services),
        // The YAML as written: it already says digest: false.
        pinDigests: true,
        coordinator: true,
        logFile: message.logFile,
        batchLog: true,
      });
      return { type: "started" };
    case "blocking": {
      const paths = [...blocking].map((r) => decodeURIComponent(new URL(r.path, "http://consul").pathname));
      return { type: "blocking", open: blocking.size, paths: [...new Set(paths)].sort() };
    }
    case "measure": {
      // CPU per bucket, so a periodic burst (the reconcile sweep) shows apart from the quiet time.
      const cpuPercents: number[] = [];
      const profiler = message.profileFile ? await startProfiler() : undefined;
      for (let i = 0; i < message.buckets; i++) {
        const before = process.cpuUsage();
        const t0 = performance.now();
        await new Promise((resolve) => setTimeout(resolve, message.bucketMs));
        const used = process.cpuUsage(before);
        cpuPercents.push((100 * (used.user + used.system)) / ((performance.now() - t0) * 1000));
      }
      if (profiler && message.profileFile) await profiler.stop(message.profileFile);
      const memory = process.memoryUsage();
      // Written after the figures: a snapshot collects garbage first, which would change them.
      if (message.heapSnapshotDir)
        writeHeapSnapshot(join(message.heapSnapshotDir, `scale-${Date.now()}.heapsnapshot`));
      return {
        type: "measured",
        cpuPercents,
        rssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
      };
    }
  }
}

serveParent(handle, () => tagroll?.close() ?? Promise.resolve());
