import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { startMultiNodeCluster } from "../../src/agents/multi-node-cluster.js";
import { CONSUL_PIN, NOMAD_PIN } from "../../src/agents/pins.js";
import { resolveBinary } from "../../src/agents/resolve-binary.js";
import { runStateDir } from "../../src/agents/run-records.js";
import type { BenchCluster } from "./bench-cluster.js";
import { median, ms, type Benchmark } from "./bench-result.js";
import {
  COUNT,
  RATE,
  runDowntimeVariant,
  type DowntimeOptions,
  type DowntimeRun,
  type DowntimeVariant,
} from "./downtime-variant.js";
import { haproxyVersion } from "./haproxy.js";

const METHODS: Array<[DowntimeVariant, string]> = [
  ["restart", 'template `change_mode = "restart"`'],
  ["cli", "`nomad job restart -batch-size=1`"],
  ["tagroll", "tagroll"],
];

const LOADS: Array<[DowntimeOptions, string]> = [
  [{ retries: true }, "retries on, instant requests"],
  [{ retries: false }, "retries off, instant requests"],
  [{ retries: true, requestMs: 1_000 }, "retries on, 1 s requests"],
  [{ retries: false, requestMs: 1_000 }, "retries off, 1 s requests"],
];

const TRIALS = 3;
const NODES = 2;

/**
 * Benchmark 1b: the downtime benchmark on the multi-node loopback cluster
 * (src/agents/multi-node-cluster.ts), tagroll talking to the Consul server agent, which holds
 * none of the instances — as a user running tagroll as a Nomad job would have it.
 */
export const downtimeMultiNodeBenchmark: Benchmark = {
  id: "downtime-multinode",
  title: "1b. Downtime during a rollout, multi-node cluster",
  run: async ({ say }) => {
    const consul = await resolveBinary(CONSUL_PIN, { progress: say });
    const nomad = await resolveBinary(NOMAD_PIN, { progress: say });
    const artifacts = join(process.cwd(), "test-artifacts", "bench", `downtime-multinode-${Date.now()}`);
    await mkdir(artifacts, { recursive: true });
    const cluster = await startMultiNodeCluster({
      consulBin: consul.path,
      nomadBin: nomad.path,
      nodes: NODES,
      dir: artifacts,
      keepLogs: true,
      progress: say,
      stateDir: runStateDir("bench"),
    });
    const bench: BenchCluster = {
      ...cluster,
      consulBin: consul.path,
      nomadBin: nomad.path,
      consulVersion: consul.version,
      nomadVersion: nomad.version,
      artifacts,
    };
    try {
      const runs = new Map<string, Array<DowntimeRun | Error>>();
      // Trials outermost, so every row sees the machine's noise alike.
      for (let trial = 1; trial <= TRIALS; trial++) {
        for (const [load, loadLabel] of LOADS) {
          for (const [method] of METHODS) {
            const result = await runDowntimeVariant(bench, method, 0, trial, say, load).catch(
              (err: Error) => err,
            );
            const key = `${loadLabel}/${method}`;
            runs.set(key, [...(runs.get(key) ?? []), result]);
          }
        }
      }
      const rows: string[][] = [];
      const problems: string[] = [];
      for (const [, loadLabel] of LOADS) {
        for (const [method, label] of METHODS) {
          const all = runs.get(`${loadLabel}/${method}`) ?? [];
          for (const err of all.filter((r): r is Error => r instanceof Error)) {
            problems.push(`- ${label}, ${loadLabel}: a trial did not complete — ${err.message}`);
          }
          rows.push(
            row(
              label,
              loadLabel,
              all.filter((r): r is DowntimeRun => !(r instanceof Error)),
            ),
          );
        }
      }
      return { table: { headers: HEADERS, rows }, notes: [...(await notes()), ...problems] };
    } finally {
      await cluster.stop();
    }
  },
};

const HEADERS = [
  "method",
  "load",
  "failed, per trial",
  "failed / total",
  "longest error window (ms), max",
  "rollout (ms), median",
  "errors seen",
];

function row(label: string, load: string, runs: DowntimeRun[]): string[] {
  if (runs.length === 0) return [label, load, "did not run", "–", "–", "–", "–"];
  const failed = runs.reduce((n, r) => n + r.load.failed, 0);
  const total = runs.reduce((n, r) => n + r.load.total, 0);
  return [
    label,
    load,
    runs.map((r) => r.load.failed).join(", "),
    `${failed} / ${total} (${((100 * failed) / total).toFixed(2)} %)`,
    ms(Math.max(...runs.map((r) => r.load.longestErrorWindowMs))),
    ms(median(runs.map((r) => r.rolloutMs))),
    [...new Set(runs.flatMap((r) => r.load.errors))].join(", ") || "–",
  ];
}

async function notes(): Promise<string[]> {
  return [
    `Cluster: one Consul server and one Nomad server on 127.0.0.1; ${NODES} client nodes on 127.0.0.2 and ` +
      "127.0.0.3, each a Consul client agent plus a Nomad client that registers its services with that agent. " +
      `Each trial is a fresh count-${COUNT} demo job (deploy/demo/demo.nomad.hcl: raw_exec, a group-level ` +
      'service with an HTTP check every 1 s, group `shutdown_delay = "2s"`, `max_parallel = 1`, ' +
      '`min_healthy_time = "2s"`), spread over both nodes. tagroll runs in-process against the Consul server ' +
      "agent and the Nomad server.",
    `HAProxy ${await haproxyVersion()} (Debian) resolves the service through the Consul server's DNS, as in ` +
      "benchmark 1; `retries on` is `retries 3` + `option redispatch`, `retries off` is `retries 0` (a request " +
      "sent to an instance that is going away fails). Active checks `inter 500ms fall 1 rise 2` in both.",
    `Load: ${RATE} GET/s open loop, each on a new connection, 5 s timeout. Instant requests ask for \`/\`; ` +
      "1 s requests ask for `/slow?ms=1000`, so about 100 requests are in flight at any moment and an " +
      "instance being restarted holds some: they must complete.",
    `${TRIALS} trials per row, interleaved.`,
  ];
}
