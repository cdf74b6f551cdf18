import { join } from "node:path";
import { AgentClient } from "./agent-client.js";
import { BenchChild, compileBenchChild } from "./bench-child.js";
import { withBenchCluster, type BenchCluster } from "./bench-cluster.js";
import { percentile, type Benchmark, type BenchResult } from "./bench-result.js";
import { cpuMsOf, pidListeningOn } from "./process-cpu.js";
import type { LoadResult, LoadTarget } from "./ingest-load.js";

const CONCURRENCY = 8;
const WARMUP_MS = 3_000;
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
  /** CPU time of tagroll's process (ingest-tagroll.ts) per answer, after the warm-up. */
  cpuMsPerRequest: number;
  /** The same for the Consul agent and for the load client (/proc/<pid>/stat, 10 ms steps). */
  consulCpuMsPerRequest: number;
  clientCpuMsPerRequest: number;
  /** The Consul agent's Go heap when the measured window began, and its GC cycles in the window. */
  consulHeapMiB: number;
  consulGcCycles: number;
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
  // `--ingest-cpu-prof=<dir>`: a V8 CPU profile of tagroll per webhook workload (for iterations;
  // the figures in BENCHMARKS.md come from a run without it).
  run: async ({ say, flags }) =>
    withBenchCluster("ingest", say, (cluster) => measure(cluster, say, flags.get("ingest-cpu-prof"))),
};

interface Marked {
  cpuMicros: number;
  systemMicros: number;
  writes: number;
  batches: number;
  gcPauses: number;
}

async function measure(
  cluster: BenchCluster,
  say: (line: string) => void,
  cpuProfDir: string | undefined,
): Promise<BenchResult> {
  const names = Array.from({ length: CONCURRENCY }, (_, i) => `ing-${i}`);
  const yaml =
    "services:\n" +
    [...names, "ing-shared"]
      .map((name) => `  - name: ${name}\n    image: acme/${name}\n    policy:\n      order: numeric\n`)
      .join("");
  const consulPid = await pidListeningOn(Number(new URL(cluster.consulAddr).port));
  const compiled = await compileBenchChild("./ingest-tagroll.ts");
  // tagroll in a process of its own (ingest-tagroll.ts), the load client in another.
  const tagroll = new BenchChild("./ingest-tagroll.ts", { compiled });
  const child = new BenchChild("./ingest-load.ts");
  const othersCpu = async () => ({ consul: await cpuMsOf(consulPid), client: await cpuMsOf(child.pid) });
  try {
    const { url, tokens } = await tagroll.ask<{ url: string; tokens: Record<string, string> }>(
      {
        type: "start",
        consulAddr: cluster.consulAddr,
        nomadAddr: cluster.nomadAddr,
        yaml,
        logFile: join(cluster.artifacts, "tagroll-ingest.log"),
        services: [...names, "ing-shared"],
      },
      "started",
    );
    const hook = (name: string): LoadTarget => ({
      origin: url,
      path: `/hooks/${tokens[name]}`,
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
        targets: names.map(hook),
      },
      rawPut,
      {
        label: "tagroll POST /hooks (all clients, one service)",
        kind: "hook",
        targets: names.map(() => hook("ing-shared")),
      },
      {
        label: `tagroll POST /hooks, open loop ${OPEN_LOOP_RATE} req/s (services round-robin)`,
        kind: "hook",
        targets: names.map(hook),
        ratePerSecond: OPEN_LOOP_RATE,
      },
    ];
    let next = 1;
    const results: Measured[] = [];
    for (const [i, workload] of workloads.entries()) {
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
      const profiled = cpuProfDir !== undefined && workload.kind === "hook";
      if (profiled) await tagroll.ask({ type: "profile-start" }, "profiling");
      // tagroll's CPU is read from the end of the client's warm-up to the last answer.
      const measuring = child.next("measuring");
      const done = child.ask<LoadResult>({ type: "run", spec }, "done");
      await measuring;
      const before = await tagroll.ask<Marked>({ type: "mark" }, "mark");
      const othersBefore = await othersCpu();
      const goBefore = await consulGoMemory(cluster.consulAddr);
      const result = await done;
      const after = await tagroll.ask<Marked>({ type: "mark" }, "mark");
      const othersAfter = await othersCpu();
      const goAfter = await consulGoMemory(cluster.consulAddr);
      if (profiled) {
        const file = join(cpuProfDir, `ingest-${i}-${Date.now()}.cpuprofile`);
        await tagroll.ask({ type: "profile-stop", file }, "profiled");
        say(`profile: ${file}`);
      }
      const since = await tagroll.ask<{ kvWriteMs: number[]; batches: number[]; gcPausesMs: number[] }>(
        { type: "since", writes: before.writes, batches: before.batches, gcPauses: before.gcPauses },
        "since",
      );
      next = result.next;
      const perAnswer = (micros: number) => (micros / 1000 / Math.max(1, result.answered)).toFixed(3);
      const gc = since.gcPausesMs;
      // For reading a run, not in the table: where tagroll's CPU went and how long its GC pauses were.
      say(
        `tagroll CPU per answer: ${perAnswer(after.cpuMicros - before.cpuMicros)} ms, of which system ` +
          `${perAnswer(after.systemMicros - before.systemMicros)} ms; ${gc.length} GC pauses, ` +
          `p50 ${percentile(gc, 50).toFixed(1)} ms, max ${Math.max(0, ...gc).toFixed(1)} ms, ` +
          `Consul txn p99 ${percentile(since.kvWriteMs, 99).toFixed(1)} ms`,
      );
      results.push({
        workload,
        result,
        writes: since.kvWriteMs,
        batches: since.batches,
        cpuMsPerRequest: (after.cpuMicros - before.cpuMicros) / 1000 / Math.max(1, result.answered),
        consulCpuMsPerRequest: (othersAfter.consul - othersBefore.consul) / Math.max(1, result.answered),
        clientCpuMsPerRequest: (othersAfter.client - othersBefore.client) / Math.max(1, result.answered),
        consulHeapMiB: goBefore.heapMiB,
        consulGcCycles: goAfter.gcCycles - goBefore.gcCycles,
      });
    }
    const lastTag = await new AgentClient(cluster.consulAddr, cluster.nomadAddr)
      .consulJson<Array<{ Value: string }>>("/v1/kv/configs/ing-0/IMAGE_TAG")
      .then((r) => Buffer.from(r[0]?.Value ?? "", "base64").toString());
    return table(results, lastTag);
  } finally {
    await child.stop();
    await tagroll.stop();
  }
}

function table(results: Measured[], lastTag: string): BenchResult {
  const rps = (r: LoadResult) => (r.count * 1000) / r.elapsedMs;
  const raws = results.filter((m) => m.workload.kind === "raw").map((m) => rps(m.result));
  const rawMean = raws.reduce((a, b) => a + b, 0) / raws.length;
  const perTxn = (b: number[]) => (b.length ? (b.reduce((x, y) => x + y, 0) / b.length).toFixed(1) : "–");
  const rows = results.map((m) => {
    const { workload: w, result: r, writes, batches, cpuMsPerRequest } = m;
    return [
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
      m.consulCpuMsPerRequest.toFixed(3),
      m.clientCpuMsPerRequest.toFixed(3),
      w.kind === "hook" ? percentile(writes, 50).toFixed(1) : "–",
      w.kind === "hook" ? perTxn(batches) : "–",
      m.consulHeapMiB.toFixed(0),
      `${m.consulGcCycles}`,
    ];
  });
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
        "Consul CPU per request (ms)",
        "client CPU per request (ms)",
        "p50 Consul txn (ms)",
        "webhooks per txn",
        "Consul heap at start (MiB)",
        "Consul GC cycles",
      ],
      rows,
    },
    notes: [
      `Closed loops: ${CONCURRENCY} concurrent clients with keep-alive connections (undici Pool), run in a ` +
        `separate Node process; ${WARMUP_MS / 1000} s warm-up, then ${DURATION_MS / 1000} s measured; in order ` +
        "top to bottom on the same Consul dev agent. Ratio: req/s over the mean of the two raw PUT runs.",
      "Raw PUT: `PUT /v1/kv/configs/raw-<i>/IMAGE_TAG` with a rising number, one key per client.",
      "tagroll: the real `startRuntime` (coordinator disabled, so only the ingress runs) alone in its own Node " +
        "process, bundled to plain JavaScript and run without tsx (test/bench/ingest-tagroll.ts); generic JSON body " +
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
      "tagroll CPU per webhook: user + system CPU of tagroll's process (`process.cpuUsage()` there, read before and " +
        "after) from the end of the warm-up until the last answer, divided by the answers in that time (the Node process is started fresh, so the warm-up also takes its JIT compilation). The benchmark runner, which copies the " +
        "agents' log output from their pipes, and the load client are other processes. Consul and client CPU per " +
        "request: the same window for the Consul agent and the load client, from /proc/<pid>/stat (10 ms steps), " +
        "over the requests answered — with tagroll's, where each request's CPU went on these 2 cores. p50 Consul txn: tagroll's own " +
        "timing (IngressObserver `kvWriteMs`) of the transaction(s) of each written webhook.",
      "Consul heap and GC cycles: the agent's Go runtime figures (`HeapAlloc` and `NumGC` from its " +
        "`/debug/pprof/heap?debug=1`, which a dev agent serves) when the measured window began and over it. A dev " +
        "agent keeps its whole raft log in memory, so its heap grows with every run before (the raw PUT runs " +
        "most). Each GC cycle marks that heap concurrently, on the same 2 cores as tagroll and the load client: " +
        "in a one-off check (not part of this run) of open-loop request times against the agent's " +
        "`GODEBUG=gctrace=1` lines and its `snapshot complete` log lines, most clusters of slow requests (6–18 ms) " +
        "fell on a GC cycle or a raft snapshot.",
      cpuBound(results),
      `After the runs configs/ing-0/IMAGE_TAG holds \`${lastTag}\` (a webhook-written value).`,
    ],
  };
}

/**
 * What the CPU columns say about the ratio. With the load client, Consul and tagroll sharing the
 * machine's cores and all of them busy, req/s goes as 1 / (CPU per request summed over the
 * processes), so a webhook workload can reach at most this ratio even if tagroll cost nothing.
 */
function cpuBound(results: Measured[]): string {
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const others = (m: Measured) => m.consulCpuMsPerRequest + m.clientCpuMsPerRequest;
  const raw = mean(results.filter((m) => m.workload.kind === "raw").map(others));
  const closed = results.filter((m) => m.workload.kind === "hook" && !m.workload.ratePerSecond);
  const bound = (m: Measured) =>
    `${(raw / others(m)).toFixed(2)} (${m.workload.label.replace(/^tagroll POST \/hooks \((.*)\)$/, "$1")}; ` +
    `${(raw / (others(m) + m.cpuMsPerRequest)).toFixed(2)} with tagroll's CPU as measured)`;
  return (
    `CPU bound on the ratio: a raw PUT took ${raw.toFixed(3)} ms of Consul + client CPU (mean of the raw runs); ` +
    `had tagroll used no CPU at all, the webhook runs would reach at most ${closed.map(bound).join(", ")} — ` +
    "an estimate that assumes every run keeps all cores busy."
  );
}

/**
 * The Consul agent's Go heap (MiB) and GC cycle count, from the runtime figures its heap profile
 * ends with (`# HeapAlloc = …`, `# NumGC = …`; `-dev` turns on `enable_debug`, which serves it).
 */
async function consulGoMemory(consulAddr: string): Promise<{ heapMiB: number; gcCycles: number }> {
  const res = await fetch(`${consulAddr}/debug/pprof/heap?debug=1`, { signal: AbortSignal.timeout(15_000) });
  const text = await res.text();
  const figure = (name: string) => {
    const match = new RegExp(`^# ${name} = (\\d+)$`, "m").exec(text);
    if (!res.ok || !match) throw new Error(`Consul's heap profile has no ${name} (HTTP ${res.status})`);
    return Number(match[1]);
  };
  return { heapMiB: figure("HeapAlloc") / 2 ** 20, gcCycles: figure("NumGC") };
}
