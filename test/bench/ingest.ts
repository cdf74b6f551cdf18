import { join } from "node:path";
import { systemClock } from "../../src/core/clock.js";
import { createWebhookToken } from "../../src/tokens/webhook-token.js";
import { AgentClient } from "./agent-client.js";
import { BenchChild } from "./bench-child.js";
import { withBenchCluster, type BenchCluster } from "./bench-cluster.js";
import { percentile, type Benchmark, type BenchResult } from "./bench-result.js";
import { startBenchTagroll } from "./bench-tagroll.js";
import type { LoadResult, LoadTarget } from "./ingest-load.js";

const CONCURRENCY = 8;
const WARMUP_MS = 1_000;
const DURATION_MS = 10_000;

const OPEN_LOOP_RATE = 200;
const OPEN_LOOP_MS = 20_000;

interface Workload {
  label: string;
  kind: "raw" | "hook";
  targets: LoadTarget[];
  /** Open loop at this rate instead of closed loops (see ingest-load.ts). */
  ratePerSecond?: number;
}

interface Measured {
  workload: Workload;
  result: LoadResult;
  writes: number[];
  /** Webhooks per Consul transaction during the run. */
  batches: number[];
  /** CPU time of this process (tagroll runs in it; the clients do not) per answered request. */
  cpuMsPerRequest: number;
}

/**
 * Benchmark 2: webhooks/s and latency of POST /hooks/<token> → CAS write, against raw KV PUTs at the
 * same concurrency on the same agent. Phases (from the standalone bench/ingest.ts it replaces, now
 * one of the runner's benchmarks): raw PUT, webhooks with one service per client (every push is
 * newer, so every one writes), raw PUT again (noise check), webhooks all for one service (CAS
 * contention). The clients run in their own process, not on tagroll's event loop.
 */
export const ingestBenchmark: Benchmark = {
  id: "ingest",
  title: "2. Ingest: webhooks → CAS write vs. raw Consul KV PUT",
  run: async ({ say }) => withBenchCluster("ingest", say, (cluster) => measure(cluster, say)),
};

async function measure(cluster: BenchCluster, say: (line: string) => void): Promise<BenchResult> {
  const names = Array.from({ length: CONCURRENCY }, (_, i) => `ing-${i}`);
  const yaml =
    "services:\n" +
    [...names, "ing-shared"]
      .map((name) => `  - name: ${name}\n    image: acme/${name}\n    policy:\n      order: numeric\n`)
      .join("");
  const tagroll = await startBenchTagroll({
    consulAddr: cluster.consulAddr,
    nomadAddr: cluster.nomadAddr,
    yaml,
    coordinator: false,
    logFile: join(cluster.artifacts, "tagroll-ingest.log"),
  });
  const child = new BenchChild("./ingest-load.ts");
  try {
    const { config, runtime } = tagroll;
    const token = async (name: string) =>
      (await createWebhookToken(config.keys, config.activeKeyId, name, systemClock)).token;
    const hook = async (name: string): Promise<LoadTarget> => ({
      origin: runtime.url,
      path: `/hooks/${await token(name)}`,
      method: "POST",
      contentType: "application/json",
      body: `{"image":"acme/${name}","tag":"{n}"}`,
    });
    const raw = (i: number): LoadTarget => ({
      origin: cluster.consulAddr,
      path: `/v1/kv/configs/raw-${i}/IMAGE_TAG`,
      method: "PUT",
      body: "{n}",
    });
    const rawPut: Workload = {
      label: "raw Consul KV PUT",
      kind: "raw",
      targets: names.map((_, i) => raw(i)),
    };
    const workloads: Workload[] = [
      rawPut,
      {
        label: "tagroll POST /hooks (one service per client)",
        kind: "hook",
        targets: await Promise.all(names.map(hook)),
      },
      rawPut,
      {
        label: "tagroll POST /hooks (all clients, one service)",
        kind: "hook",
        targets: await Promise.all(names.map(() => hook("ing-shared"))),
      },
      {
        label: `tagroll POST /hooks, open loop ${OPEN_LOOP_RATE} req/s (services round-robin)`,
        kind: "hook",
        targets: await Promise.all(names.map(hook)),
        ratePerSecond: OPEN_LOOP_RATE,
      },
    ];
    let next = 1;
    const results: Measured[] = [];
    for (const workload of workloads) {
      const durationMs = workload.ratePerSecond ? OPEN_LOOP_MS : DURATION_MS;
      const shape = workload.ratePerSecond ? `${workload.ratePerSecond} req/s` : `${CONCURRENCY} concurrent`;
      say(`${workload.label}: ${shape}, ${durationMs / 1000} s`);
      const spec = {
        targets: workload.targets,
        warmupMs: WARMUP_MS,
        durationMs,
        startAt: next,
        ...(workload.ratePerSecond ? { ratePerSecond: workload.ratePerSecond } : {}),
      };
      const writesBefore = tagroll.kvWriteMs.length;
      const batchesBefore = tagroll.batches.length;
      const cpuBefore = process.cpuUsage();
      const result = await child.ask<LoadResult>({ type: "run", spec }, "done");
      const cpu = process.cpuUsage(cpuBefore);
      next = result.next;
      results.push({
        workload,
        result,
        writes: tagroll.kvWriteMs.slice(writesBefore),
        batches: tagroll.batches.slice(batchesBefore),
        cpuMsPerRequest: (cpu.user + cpu.system) / 1000 / Math.max(1, result.answered),
      });
    }
    const lastTag = await new AgentClient(cluster.consulAddr, cluster.nomadAddr)
      .consulJson<Array<{ Value: string }>>("/v1/kv/configs/ing-0/IMAGE_TAG")
      .then((r) => Buffer.from(r[0]?.Value ?? "", "base64").toString());
    return table(results, lastTag);
  } finally {
    await child.stop();
    await tagroll.close();
  }
}

function table(results: Measured[], lastTag: string): BenchResult {
  const rps = (r: LoadResult) => (r.count * 1000) / r.elapsedMs;
  const raws = results.filter((m) => m.workload.kind === "raw").map((m) => rps(m.result));
  const rawMean = raws.reduce((a, b) => a + b, 0) / raws.length;
  const perTxn = (b: number[]) => (b.length ? (b.reduce((x, y) => x + y, 0) / b.length).toFixed(1) : "–");
  const rows = results.map(({ workload: w, result: r, writes, batches, cpuMsPerRequest }) => [
    w.label,
    w.ratePerSecond ? `open, ${w.ratePerSecond}/s` : `${CONCURRENCY}`,
    `${r.count}`,
    rps(r).toFixed(0),
    percentile(r.latenciesMs, 50).toFixed(1),
    percentile(r.latenciesMs, 99).toFixed(1),
    percentile(r.latenciesMs, 99.9).toFixed(1),
    Object.entries(r.statuses)
      .map(([status, n]) => `${status}×${n}`)
      .join(", "),
    w.ratePerSecond ? "–" : (rps(r) / rawMean).toFixed(3),
    w.kind === "hook" ? cpuMsPerRequest.toFixed(3) : "–",
    w.kind === "hook" ? percentile(writes, 50).toFixed(1) : "–",
    w.kind === "hook" ? perTxn(batches) : "–",
  ]);
  return {
    table: {
      headers: [
        "workload",
        "concurrency",
        "requests",
        "req/s",
        "p50 (ms)",
        "p99 (ms)",
        "p99.9 (ms)",
        "answers",
        "ratio to raw PUT",
        "tagroll CPU per webhook (ms)",
        "p50 Consul txn (ms)",
        "webhooks per txn",
      ],
      rows,
    },
    notes: [
      `Closed loops: ${CONCURRENCY} concurrent clients with keep-alive connections (undici Pool), run in a ` +
        `separate Node process; ${WARMUP_MS / 1000} s warm-up, then ${DURATION_MS / 1000} s measured; in order ` +
        "top to bottom on the same Consul dev agent. Ratio: req/s over the mean of the two raw PUT runs.",
      "Raw PUT: `PUT /v1/kv/configs/raw-<i>/IMAGE_TAG` with a rising number, one key per client.",
      "tagroll: in-process `startRuntime` (coordinator disabled, so only the ingress runs), generic JSON body " +
        '`{"image":"acme/<service>","tag":"<n>"}` with a rising number, services with `order: numeric`. ' +
        "`POST /hooks/<token>` is served before express (src/server/lean-hooks.ts); each webhook's token is " +
        "verified once and then known by its exact string (revocation checked on every webhook, from memory kept " +
        "current by a blocking query); its decision on the desired value as last known goes into a Consul " +
        "transaction with its revocation and dedupe checks, the write and its history entry. Webhooks arriving " +
        "while a transaction is in flight share the next one (src/ingress/push-write.ts; several on one key are " +
        "chained, each deciding on the value the one before it leaves). A transaction that finds a key moved is " +
        "redone for that key's webhooks after a fresh read. 202 = written; 200 = answered but not written (a push " +
        "whose tag is lower than one already written or chained before it is refused as a downgrade — the policy " +
        "working). Webhooks per txn: the mean number of webhooks in each transaction during the run.",
      `Open loop: ${OPEN_LOOP_RATE} webhooks/s on schedule for ${OPEN_LOOP_MS / 1000} s (after the warm-up), ` +
        "round-robin over the one-per-client services, up to 64 connections; latency from each request's " +
        "scheduled time, so queueing counts.",
      "tagroll CPU per webhook: user + system CPU of the benchmark process (tagroll's runtime; the clients run in " +
        "another process) over the run, warm-up included, divided by every answer. p50 Consul txn: tagroll's own " +
        "timing (IngressObserver `kvWriteMs`) of the transaction(s) of each written webhook.",
      `After the runs configs/ing-0/IMAGE_TAG holds \`${lastTag}\` (a webhook-written value).`,
    ],
  };
}
