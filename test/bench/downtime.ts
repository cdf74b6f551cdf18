import { withBenchCluster } from "./bench-cluster.js";
import type { Benchmark, BenchResult } from "./bench-result.js";
import {
  COUNT,
  downtimeCells,
  RESULT_HEADERS,
  RATE,
  runDowntimeVariant,
  splitTrials,
  type DowntimeRun,
  type DowntimeVariant,
} from "./downtime-variant.js";
import { haproxyVersion } from "./haproxy.js";

const VARIANTS: Array<[DowntimeVariant, string]> = [
  ["restart", '(a) template `change_mode = "restart"`'],
  ["cli", "(b) `nomad job restart -batch-size=1`"],
  ["tagroll", "(c) tagroll"],
];

/** 0: the demo app listens at once; 2000: it listens 2 s after its process starts, like a real app. */
const STARTUP_DELAYS = [0, 2_000];
/** Nomad's template splay is random, so one run of (a) says little; every variant runs this often. */
const TRIALS = 3;

/** Benchmark 1 (BENCHMARKS.md): failed requests through HAProxy while the tag changes. */
export const downtimeBenchmark: Benchmark = {
  id: "downtime",
  title: "1. Downtime during a rollout",
  run: async ({ say }) =>
    withBenchCluster("downtime", say, async (cluster): Promise<BenchResult> => {
      const runs = new Map<string, Array<DowntimeRun | Error>>();
      // Trials outermost, so the variants interleave and share the machine's noise alike.
      for (let trial = 1; trial <= TRIALS; trial++) {
        for (const startupDelayMs of STARTUP_DELAYS) {
          for (const [variant] of VARIANTS) {
            const result = await runDowntimeVariant(cluster, variant, startupDelayMs, trial, say).catch(
              (err: Error) => err,
            );
            const key = `${variant}/${startupDelayMs}`;
            runs.set(key, [...(runs.get(key) ?? []), result]);
          }
        }
      }
      const rows: string[][] = [];
      const problems: string[] = [];
      for (const startupDelayMs of STARTUP_DELAYS) {
        for (const [variant, label] of VARIANTS) {
          const trials = splitTrials(
            runs.get(`${variant}/${startupDelayMs}`) ?? [],
            `${label}, start-up ${startupDelayMs} ms`,
          );
          problems.push(...trials.problems);
          rows.push([label, `${startupDelayMs}`, ...downtimeCells(trials.runs)]);
        }
      }
      return { table: { headers: HEADERS, rows }, notes: [...(await notes()), ...problems] };
    }),
};

const HEADERS = ["variant", "app start-up (ms)", ...RESULT_HEADERS];

async function notes(): Promise<string[]> {
  return [
    `Each trial of each variant is a fresh count-${COUNT} demo job (deploy/demo/demo.nomad.hcl: raw_exec, ` +
      'group-level service with an HTTP check every 1 s, group `shutdown_delay = "2s"`, update `max_parallel = 1`, ' +
      '`min_healthy_time = "2s"`), waited on until its deployment is successful, behind a fresh HAProxy ' +
      `${await haproxyVersion()} (Debian) that finds the instances with ` +
      "`server-template … _<service>._tcp.service.consul resolvers consul` against the dev Consul's DNS port. " +
      "HAProxy settings, identical for every row: `check inter 500ms fall 1 rise 2`, `option redispatch`, " +
      "`retries 3`, `resolve-prefer ipv4`, `hold valid 1s`, `hold obsolete 0s`, `timeout resolve 500ms`, " +
      "and `resolve-opts allow-dup-ip` (every instance listens on 127.0.0.1, and HAProxy otherwise keeps only " +
      "one server per address). The file is written next to the agent logs (`haproxy-<service>.cfg`). " +
      `${TRIALS} trials per row, the variants interleaved.`,
    `Load: ${RATE} GET/s open loop (sent on schedule regardless of answers), each on a new connection ` +
      "(`Connection: close`), 5 s timeout; a failure is a connection error, timeout or non-200 (HAProxy answers " +
      "503 when it has no server left, 502 when one dies mid-answer). The load starts 3 s before the KV write " +
      "and stops 3 s after the rollout ends.",
    "Longest error window: the longest run of consecutive failed requests (no success in between, by send " +
      "time), from the first one's start to the last one's end.",
    "Rollout: KV write → every allocation serves v2, passes its Consul check and is UP in HAProxy again.",
    '(a) registers the job with `change_mode = "restart"` and writes the key (Nomad restarts each allocation ' +
      'after the template wait and a random splay of up to 5 s). (b) registers it with `change_mode = "noop"`, ' +
      "writes the key, then runs `nomad job restart -batch-size=1 -on-error=fail` (the nomad binary against the " +
      'dev agent; it moves to the next allocation once the task runs again). (c) registers it with `change_mode = "noop"` ' +
      "and runs tagroll in-process (startRuntime, coordinator on), which rolls the change out on its own: a " +
      "whole-allocation restart, for which Nomad deregisters the group service and waits the group's " +
      "shutdown_delay before stopping the task, then the check passing for min_healthy_time, next.",
    "App start-up 2000 ms: the demo app opens its port 2 s after its process starts (`STARTUP_DELAY_MS`), as " +
      "an application that loads before it listens would.",
  ];
}
