import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { AgentClient } from "./agent-client.js";
import { median, ms } from "./bench-result.js";
import type { BenchCluster } from "./bench-cluster.js";
import { startTagrollFor, type BenchTagroll } from "./bench-tagroll.js";
import { startHaproxy } from "./haproxy.js";
import { startOpenLoopLoad, type LoadReport } from "./open-loop-load.js";
import { sleep, waitFor } from "../helpers/cluster.js";

const execFileAsync = promisify(execFile);

export type DowntimeVariant = "restart" | "cli" | "tagroll";

export interface DowntimeRun {
  variant: DowntimeVariant;
  startupDelayMs: number;
  load: LoadReport;
  /** KV write → every allocation serves the new tag, passes its checks and is UP in HAProxy. */
  rolloutMs: number;
}

/** How the load reaches the job: HAProxy retries on or off, and how long each request takes. */
export interface DowntimeOptions {
  /** HAProxy `retries 3` + `option redispatch` (default true); false: a failed request fails. */
  retries?: boolean;
  /** Each request asks the app for an answer this slow (`/slow?ms=`); default: `/`, at once. */
  requestMs?: number;
}

export const COUNT = 3;
export const RATE = 100;
const SETTLE_MS = 3_000;

/**
 * One variant on a fresh count-3 demo job behind a fresh HAProxy: open-loop load through HAProxy,
 * then the tag changes from v1 to v2 the variant's way, then the load runs on until every
 * allocation serves v2 and is back in HAProxy's pool, plus a few seconds.
 */
export async function runDowntimeVariant(
  cluster: BenchCluster,
  variant: DowntimeVariant,
  startupDelayMs: number,
  trial: number,
  say: (line: string) => void,
  options: DowntimeOptions = {},
): Promise<DowntimeRun> {
  const client = new AgentClient(cluster.consulAddr, cluster.nomadAddr);
  const tags = `${options.retries === false ? "-nr" : ""}${options.requestMs ? `-s${options.requestMs}` : ""}`;
  const name = `dt-${variant}-${startupDelayMs}${tags}-${trial}`;
  const key = `configs/${name}/IMAGE_TAG`;
  await client.deployDemo(name, "v1", {
    count: COUNT,
    changeMode: variant === "restart" ? "restart" : "noop",
    startupDelayMs,
  });
  let tagroll: BenchTagroll | undefined;
  const haproxy = await startHaproxy({
    service: name,
    consulDnsPort: cluster.consulDnsPort,
    dir: cluster.artifacts,
    ...(options.retries !== undefined && { retries: options.retries }),
  });
  try {
    await client.waitForDeployment(name);
    await waitFor("HAProxy to see every instance", async () => (await haproxy.upServers()) === COUNT);
    if (variant === "tagroll") {
      tagroll = await startTagrollFor(cluster, name);
      await tagroll.settled(name, "v1");
    }
    say(`${name}: load at ${RATE} req/s through HAProxy, then v1 → v2`);
    const path = options.requestMs ? `slow?ms=${options.requestMs}` : "";
    const load = startOpenLoopLoad(`${haproxy.url}${path}`, RATE);
    await sleep(SETTLE_MS);
    const writtenAt = Date.now();
    await client.kvPut(key, "v2");
    if (variant === "cli") await nomadJobRestart(cluster, name);
    if (tagroll) await tagroll.finished(name, "v2");
    await client.waitForTag(name, COUNT, "v2");
    await waitFor("HAProxy to see every instance again", async () => (await haproxy.upServers()) === COUNT, {
      timeoutMs: 60_000,
      intervalMs: 50,
    });
    const rolloutMs = Date.now() - writtenAt;
    await sleep(SETTLE_MS);
    const report = await load.stop();
    say(
      `${name}: ${report.failed}/${report.total} failed, longest error window ${report.longestErrorWindowMs} ms`,
    );
    return { variant, startupDelayMs, load: report, rolloutMs };
  } finally {
    await tagroll?.close();
    await haproxy.stop();
    await client.purgeJob(name);
  }
}

/** What an operator types after `consul kv put`: Nomad's own batched in-place restart. */
async function nomadJobRestart(cluster: BenchCluster, job: string): Promise<void> {
  const args = [
    "job",
    "restart",
    `-address=${cluster.nomadAddr}`,
    "-batch-size=1",
    "-on-error=fail",
    "-no-color",
    job,
  ];
  await execFileAsync(cluster.nomadBin, args, { timeout: 300_000 }).catch(
    (err: Error & { stdout?: string }) => {
      // The CLI prints its errors ("Deployment … is running") on stdout.
      const said = `${err.stdout ?? ""}`.replace(/\s+/g, " ").trim();
      throw new Error(`nomad ${args.join(" ")} failed: ${said || err.message}`);
    },
  );
}

/** Titles of the columns downtimeCells fills. */
export const RESULT_HEADERS = [
  "failed, per trial",
  "failed / total",
  "longest error window (ms), max",
  "rollout (ms), median",
  "errors seen",
];

/**
 * The result columns every downtime table shares: failed per trial, failed / total, longest
 * error window, median rollout, errors seen ("did not run" when no trial completed).
 */
export function downtimeCells(runs: DowntimeRun[]): string[] {
  if (runs.length === 0) return ["did not run", "–", "–", "–", "–"];
  const failed = runs.reduce((n, r) => n + r.load.failed, 0);
  const total = runs.reduce((n, r) => n + r.load.total, 0);
  return [
    runs.map((r) => r.load.failed).join(", "),
    `${failed} / ${total} (${((100 * failed) / total).toFixed(2)} %)`,
    ms(Math.max(...runs.map((r) => r.load.longestErrorWindowMs))),
    ms(median(runs.map((r) => r.rolloutMs))),
    [...new Set(runs.flatMap((r) => r.load.errors))].join(", ") || "–",
  ];
}

/** The completed trials of a row, and a problem line for each that did not complete. */
export function splitTrials(
  all: Array<DowntimeRun | Error>,
  what: string,
): { runs: DowntimeRun[]; problems: string[] } {
  return {
    runs: all.filter((r): r is DowntimeRun => !(r instanceof Error)),
    problems: all
      .filter((r): r is Error => r instanceof Error)
      .map((err) => `- ${what}: a trial did not complete — ${err.message}`),
  };
}
