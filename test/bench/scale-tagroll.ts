import { startBenchTagroll, type BenchTagroll } from "./bench-tagroll.js";

/**
 * The scale benchmark's tagroll, alone in its own process so its RSS and CPU time are tagroll's
 * (plus Node and tsx), not the benchmark runner's. Driven over IPC by scale.ts.
 */
type Message =
  | { type: "start"; consulAddr: string; nomadAddr: string; services: number; logFile: string }
  | { type: "measure"; idleMs: number };

let tagroll: BenchTagroll | undefined;

/** `configs/svc-<i>/IMAGE_TAG` for every service (the default key), one distinct prefix each. */
function yamlFor(services: number): string {
  const lines = ["services:"];
  for (let i = 0; i < services; i++) lines.push(`  - name: svc-${i}`, `    image: acme/svc-${i}`);
  return `${lines.join("\n")}\n`;
}

async function handle(message: Message): Promise<unknown> {
  switch (message.type) {
    case "start":
      tagroll = await startBenchTagroll({
        consulAddr: message.consulAddr,
        nomadAddr: message.nomadAddr,
        yaml: yamlFor(message.services),
        coordinator: true,
        logFile: message.logFile,
      });
      return { type: "started" };
    case "measure": {
      const before = process.cpuUsage();
      const t0 = performance.now();
      await new Promise((resolve) => setTimeout(resolve, message.idleMs));
      const used = process.cpuUsage(before);
      const wallUs = (performance.now() - t0) * 1000;
      const memory = process.memoryUsage();
      return {
        type: "measured",
        cpuPercent: (100 * (used.user + used.system)) / wallUs,
        rssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
      };
    }
  }
}

process.on("message", (message: Message) => {
  handle(message).then(
    (reply) => process.send?.(reply),
    (err: Error) => process.send?.({ type: "error", error: err.message }),
  );
});

process.once("SIGTERM", () => {
  void (tagroll?.close() ?? Promise.resolve()).finally(() => process.exit(0));
});
