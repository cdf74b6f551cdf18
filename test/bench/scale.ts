import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { BenchChild } from "./bench-child.js";
import { withBenchCluster, type BenchCluster } from "./bench-cluster.js";
import type { Benchmark, BenchResult } from "./bench-result.js";
import { blockingQueries, connectionsTo, probeJson } from "./consul-connections.js";
import { sleep, waitFor } from "../helpers/cluster.js";

const SIZES = [1, 1_000];
const SETTLE_MS = 15_000;
const IDLE_MS = 30_000;
const ADOPT_TIMEOUT_MS = 180_000;

interface Measured {
  cpuPercent: number;
  rssBytes: number;
  heapUsedBytes: number;
}

/** Benchmark 5: 1,000 configured services; blocking queries, RSS and idle CPU of one tagroll. */
export const scaleBenchmark: Benchmark = {
  id: "scale",
  title: "5. Scale: 1,000 configured services",
  run: async ({ say }): Promise<BenchResult> => {
    const rows: string[][] = [];
    // A fresh cluster per row: Consul keeps serving a blocking query whose client went away until
    // its wait ends, so a previous row's queries would still be counted.
    for (const services of SIZES) {
      rows.push(
        await withBenchCluster(`scale-${services}`, say, async (cluster) => {
          await writeKeys(cluster.consulAddr, services);
          return measure(cluster, services, say);
        }),
      );
    }
    return { table: { headers: HEADERS, rows }, notes: NOTES };
  },
};

const HEADERS = [
  "services",
  "all adopted after (s)",
  "blocking queries tagroll added in Consul",
  "tagroll → Consul connections, settled / after idle",
  "RSS (MiB)",
  "heap used (MiB)",
  `idle CPU % over ${IDLE_MS / 1000} s`,
  "Consul refusals retried (start-up)",
  "watch errors",
];

const NOTES = [
  "Generated config: services `svc-<i>` with the default key `configs/svc-<i>/IMAGE_TAG` (each key written " +
    "first), no jobs. tagroll (startRuntime, coordinator on, reconcile every minute by default) runs alone in a " +
    "child Node process with tsx loaded, so RSS and CPU are its own; the 1-service row is the same process with " +
    "one service.",
  "All adopted: start → every service has its rollout record (first sight writes one, `adopted`, and restarts " +
    `nothing); counted from \`tagroll/rollouts/?keys\`. Then ${SETTLE_MS / 1000} s settle, then the counts, then ` +
    `${IDLE_MS / 1000} s of \`process.cpuUsage()\` in the tagroll process (user + system over wall time; 100 % = ` +
    "one core).",
  "Blocking queries: Consul's own telemetry gauge `rpc.queries_blocking` (`/v1/agent/metrics`) minus its value " +
    "before tagroll started (Nomad holds some of its own). The KvWatcher runs one blocking query per distinct " +
    "watched folder but merges sibling folders into their parent beyond 64 (src/coordinator/kv-watcher.ts), so " +
    "1,000 `configs/svc-<i>/` folders are watched as `configs/`, plus `tagroll/requests/`. Connections: " +
    "established TCP connections from the tagroll process to Consul's HTTP port, from /proc, after the settle " +
    "and again after the idle window. Each row runs on its own fresh agents.",
  "Consul refusals retried: `upstream unavailable; retrying` lines in tagroll's log. At first sight every " +
    "service's runner reads and writes its record at once over an HTTP agent with no socket cap; beyond " +
    "Consul's default `limits.http_max_conns_per_client = 200` per client IP Consul answers 429, and tagroll " +
    "retries with backoff until all are adopted. (The benchmark's own probes use source address 127.0.0.2 so " +
    "they are not refused.) Watch errors: `kv watch failed` lines.",
];

async function measure(
  cluster: BenchCluster,
  services: number,
  say: (line: string) => void,
): Promise<string[]> {
  const { consulAddr, nomadAddr } = cluster;
  const before = await blockingQueries(consulAddr);
  const logFile = join(cluster.artifacts, `tagroll-scale-${services}.log`);
  const child = new BenchChild("./scale-tagroll.ts");
  try {
    const t0 = Date.now();
    await child.ask({ type: "start", consulAddr, nomadAddr, services, logFile }, "started");
    let adopted = 0;
    const all = await waitFor(
      `${services} rollout records`,
      async () => {
        const keys = await probeJson<string[]>(`${consulAddr}/v1/kv/tagroll/rollouts/?keys`).catch(() => []);
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
    const connections = await connectionsTo(child.pid, Number(new URL(consulAddr).port));
    say(
      `${services} services: ${blocking} blocking queries, ${connections} connections; idle for ${IDLE_MS / 1000} s`,
    );
    const m = await child.ask<Measured>({ type: "measure", idleMs: IDLE_MS }, "measured");
    const connectionsAfter = await connectionsTo(child.pid, Number(new URL(consulAddr).port));
    const log = (await readFile(logFile, "utf8").catch(() => "")).split("\n");
    const lines = (msg: string) => `${log.filter((line) => line.includes(`"msg":"${msg}"`)).length}`;
    const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
    return [
      `${services}`,
      adoptedS,
      `${blocking}`,
      `${connections} / ${connectionsAfter}`,
      mib(m.rssBytes),
      mib(m.heapUsedBytes),
      m.cpuPercent.toFixed(2),
      lines("upstream unavailable; retrying"),
      lines("kv watch failed"),
    ];
  } finally {
    await child.stop();
    await sleep(2_000);
  }
}

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
