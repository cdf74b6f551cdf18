import { withBenchCluster } from "./bench-cluster.js";
import type { Benchmark } from "./bench-result.js";
import {
  COUNT,
  downtimeCells,
  RESULT_HEADERS,
  RATE,
  runDowntimeVariant,
  splitTrials,
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
  run: async ({ say }) =>
    withBenchCluster(
      "downtime-multinode",
      say,
      async (bench) => {
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
            const trials = splitTrials(runs.get(`${loadLabel}/${method}`) ?? [], `${label}, ${loadLabel}`);
            problems.push(...trials.problems);
            rows.push([label, loadLabel, ...downtimeCells(trials.runs)]);
          }
        }
        return { table: { headers: HEADERS, rows }, notes: [...(await notes()), ...problems] };
      },
      { nodes: NODES },
    ),
};

const HEADERS = ["method", "load", ...RESULT_HEADERS];

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
