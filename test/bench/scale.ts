import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { AgentClient } from "./agent-client.js";
import { BenchChild, compileBenchChild } from "./bench-child.js";
import { withBenchCluster, type BenchCluster } from "./bench-cluster.js";
import { median, type Benchmark, type BenchResult } from "./bench-result.js";
import { blockingQueries, connectionsTo, probeJson } from "./consul-connections.js";
import { sleep, waitFor } from "../helpers/cluster.js";
import { folderPrefix } from "../../src/state/kv-layout.js";

const SIZES = [1_000, 10_000];
/** Services `svc-0` … with a real job each (the demo job, 2 allocations); the rest are KV keys only. */
const REAL_JOBS = 3;
const SETTLE_MS = 15_000;
/** 120 × 5 s: ten minutes after adoption, many rounds of the incremental reconcile sweep. */
const BUCKETS = 120;
const BUCKET_MS = 5_000;
const ADOPT_TIMEOUT_MS = 600_000;

interface Measured {
  cpuPercents: number[];
  rssBytes: number;
  heapUsedBytes: number;
}

/** Benchmark 5: 1,000 and 10,000 configured services; adoption, blocking queries, RSS and idle CPU. */
export const scaleBenchmark: Benchmark = {
  id: "scale",
  title: "5. Scale: 1,000 and 10,000 configured services",
  run: async ({ say, flags }): Promise<BenchResult> => {
    const options = scaleOptions(flags);
    const rows: string[][] = [];
    // A fresh cluster per row: Consul keeps serving a blocking query whose client went away until
    // its wait ends, so a previous row's queries would still be counted.
    for (const services of options.sizes) {
      rows.push(
        await withBenchCluster(`scale-${services}`, say, async (cluster) => {
          await writeKeys(cluster.consulAddr, services);
          const client = new AgentClient(cluster.consulAddr, cluster.nomadAddr);
          for (let i = 0; i < REAL_JOBS; i++) {
            await client.deployDemo(`svc-${i}`, "v1", { changeMode: "noop", count: 2 });
          }
          return measure(cluster, services, options, say);
        }),
      );
    }
    const notes =
      options.buckets === BUCKETS ? NOTES : [...NOTES, `A short run: ${options.buckets} idle buckets.`];
    return { table: { headers: HEADERS, rows }, notes };
  },
};

interface ScaleOptions {
  sizes: number[];
  buckets: number;
  /** Where the tagroll child writes a V8 CPU profile of its idle window, when asked. */
  cpuProfDir: string | undefined;
  /** Where the tagroll child writes a V8 heap snapshot at the end of its idle window, when asked. */
  heapSnapshotDir: string | undefined;
}

/**
 * For iterations: `--scale-sizes=10000` (comma-separated), `--scale-idle-s=60` (a shorter idle
 * window), `--scale-cpu-prof=<dir>` (a .cpuprofile of the tagroll child's idle window, for
 * Chrome DevTools), `--scale-heap-snapshot=<dir>` (a heap snapshot after it). The figures in
 * BENCHMARKS.md come from a run without them.
 */
function scaleOptions(flags: ReadonlyMap<string, string>): ScaleOptions {
  const sizes = flags.get("scale-sizes")?.split(",").map(Number) ?? SIZES;
  const idleS = flags.has("scale-idle-s") ? Number(flags.get("scale-idle-s")) : (BUCKETS * BUCKET_MS) / 1000;
  if (sizes.some((n) => !Number.isInteger(n) || n < 1) || !(idleS >= BUCKET_MS / 1000)) {
    throw new Error("--scale-sizes takes positive integers, --scale-idle-s at least one 5 s bucket");
  }
  return {
    sizes,
    buckets: Math.floor((idleS * 1000) / BUCKET_MS),
    cpuProfDir: flags.get("scale-cpu-prof"),
    heapSnapshotDir: flags.get("scale-heap-snapshot"),
  };
}

const HEADERS = [
  "services",
  "all adopted after (s)",
  "blocking queries open (tagroll's requests)",
  "Consul's rpc.queries_blocking, change",
  "tagroll → Consul connections, settled / after idle",
  "RSS (MiB)",
  "heap used (MiB)",
  "idle CPU %, 10 min mean",
  "idle CPU %, busiest 5 s",
  "idle CPU %, median 5 s",
  "Consul refusals retried (start-up)",
  "watch errors",
];

const NOTES = [
  "Generated config: services `svc-<i>` with the default key `configs/svc-<i>/IMAGE_TAG` (each key written " +
    `first); the first ${REAL_JOBS} have a real job each (the demo job, 2 allocations, raw_exec), the rest no job. ` +
    "tagroll (startRuntime, coordinator on, default reconcile: the next 25 services every 10 s) runs alone " +
    "in a child Node process, so RSS and CPU are its own; that child is bundled to plain JavaScript with esbuild " +
    "and runs without tsx, as the compiled `node dist/cli/main.js` does (tsx's loader thread would add about 40 MiB " +
    "of RSS). Each row runs on its own fresh agents.",
  "All adopted: start → every service has its rollout record (first sight writes one, `adopted`, and restarts " +
    `nothing), counted from \`tagroll/rollouts/?keys\`. Then ${SETTLE_MS / 1000} s settle, then the counts, then ` +
    `${(BUCKETS * BUCKET_MS) / 60_000} min of \`process.cpuUsage()\` in the tagroll process in ${BUCKET_MS / 1000} s ` +
    "buckets (user + system over wall time; 100 % = one core): the mean over the whole window, the busiest " +
    "bucket and the median one. The sweep looks at a fixed number of services per tick, so its cost does not " +
    "grow with their number.",
  "Blocking queries open: tagroll's own HTTP requests carrying Consul's `index=` parameter that are in flight, " +
    "counted in its process through node:diagnostics_channel (`http.client.request.start` until the request " +
    "closes), with the KV folders they watch. The KvWatcher runs one blocking query per distinct watched " +
    "folder but merges sibling folders into their parent beyond 64 (src/coordinator/watch/kv-watcher.ts), so 1,000 " +
    "`configs/svc-<i>/` folders are one query on `configs/`, plus `tagroll/requests/`. Cross-check from Consul's " +
    "side: its telemetry gauge `rpc.queries_blocking` (`/v1/agent/metrics`) after the settle minus before " +
    "tagroll started; Nomad's own blocking queries come and go in it, so it is only roughly the same.",
  "Connections: established TCP connections from the tagroll process to Consul's HTTP port (from /proc), " +
    "after the settle and again after the idle window. They count against Consul's default " +
    "`limits.http_max_conns_per_client = 200`, shared by every client on the same IP (a co-located Nomad agent, " +
    "the consul CLI); tagroll's Consul client bounds its sockets and the idle keep-alive ones it keeps " +
    "(src/kv/consul-connection.ts), since at first sight every service's runner reads and writes its record " +
    "at once. The benchmark's own probes use source " +
    "address 127.0.0.2 so they never compete. Consul refusals retried: `upstream unavailable; retrying` lines in " +
    "tagroll's log: a 429 from Consul past the limit, or a request that timed out (10 s) queued behind the " +
    "others. Watch errors: `kv watch failed` lines.",
  "The leader reads every rollout record in one request at the start of its term and writes the records of " +
    "first sight as `/v1/txn` transactions of up to 64 `lock` operations, two at a time " +
    "(src/coordinator/leader/record-batches.ts); a sweep tick takes desired values from the KV watch and " +
    'lists Nomad\'s jobs once (README, "Running at scale").',
];

async function measure(
  cluster: BenchCluster,
  services: number,
  options: ScaleOptions,
  say: (line: string) => void,
): Promise<string[]> {
  const { consulAddr, nomadAddr } = cluster;
  const before = await blockingQueries(consulAddr);
  const logFile = join(cluster.artifacts, `tagroll-scale-${services}.log`);
  const child = new BenchChild("./scale-tagroll.ts", {
    compiled: await compileBenchChild("./scale-tagroll.ts"),
  });
  try {
    const t0 = Date.now();
    await child.ask({ type: "start", consulAddr, nomadAddr, services, logFile }, "started");
    let adopted = 0;
    const all = await waitFor(
      `${services} rollout records`,
      async () => {
        const keys = await probeJson<string[]>(`${consulAddr}/v1/kv/${folderPrefix("rollouts")}?keys`).catch(
          () => [],
        );
        adopted = keys.length;
        return adopted >= services;
      },
      { timeoutMs: ADOPT_TIMEOUT_MS, intervalMs: 500 },
    ).catch(() => false);
    const adoptedS = all
      ? ((Date.now() - t0) / 1000).toFixed(1)
      : `${adopted} of ${services} after ${ADOPT_TIMEOUT_MS / 1000}`;
    await sleep(SETTLE_MS);
    const blocking = (await blockingQueries(consulAddr)) - before;
    const own = await child.ask<{ open: number; paths: string[] }>({ type: "blocking" }, "blocking");
    const connections = await connectionsTo(child.pid, Number(new URL(consulAddr).port));
    say(
      `${services} services: ${own.open} blocking queries open, ${connections} connections; measuring idle CPU`,
    );
    const m = await child.ask<Measured>(
      {
        type: "measure",
        buckets: options.buckets,
        bucketMs: BUCKET_MS,
        ...(options.heapSnapshotDir && { heapSnapshotDir: options.heapSnapshotDir }),
        ...(options.cpuProfDir && {
          profileFile: join(options.cpuProfDir, `scale-${services}-${Date.now()}.cpuprofile`),
        }),
      },
      "measured",
      options.buckets * BUCKET_MS + 120_000,
    );
    const connectionsAfter = await connectionsTo(child.pid, Number(new URL(consulAddr).port));
    const log = (await readFile(logFile, "utf8").catch(() => "")).split("\n");
    const lines = (msg: string) => `${log.filter((line) => line.includes(`"msg":"${msg}"`)).length}`;
    const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
    return [
      `${services}`,
      adoptedS,
      `${own.open} (${own.paths.map((p) => `\`${p.replace("/v1/kv/", "")}\``).join(", ")})`,
      `${blocking}`,
      `${connections} / ${connectionsAfter}`,
      mib(m.rssBytes),
      mib(m.heapUsedBytes),
      mean(m.cpuPercents).toFixed(2),
      Math.max(...m.cpuPercents).toFixed(2),
      median(m.cpuPercents).toFixed(2),
      lines("upstream unavailable; retrying"),
      lines("kv watch failed"),
    ];
  } finally {
    await child.stop();
    await sleep(2_000);
  }
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** Writes `configs/svc-<i>/IMAGE_TAG = v1` for every service, 64 keys per transaction (Consul's cap). */
async function writeKeys(consulAddr: string, services: number): Promise<void> {
  for (let start = 0; start < services; start += 64) {
    const ops = [];
    for (let i = start; i < Math.min(services, start + 64); i++) {
      ops.push({
        KV: { Verb: "set", Key: `configs/svc-${i}/IMAGE_TAG`, Value: Buffer.from("v1").toString("base64") },
      });
    }
    const res = await fetch(`${consulAddr}/v1/txn`, { method: "PUT", body: JSON.stringify(ops) });
    if (!res.ok) throw new Error(`txn: HTTP ${res.status} ${await res.text()}`);
  }
}
