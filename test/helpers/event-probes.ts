import type { MultiNodeCluster } from "../../src/agents/multi-node-cluster.js";
import type { DriftEvent } from "../../src/coordinator/model/index.js";
import { createLogger } from "../../src/core/logger.js";
import { Operations, type StatusReport } from "../../src/operations/index.js";
import { AgentClient } from "../bench/agent-client.js";
import { startBenchTagroll, type BenchTagroll } from "../bench/bench-tagroll.js";
import { waitFor } from "./cluster.js";
import { startTestCluster } from "./multi-node.js";
import { CuttableRelay } from "./tcp-relay.js";

/**
 * Probes and set-up shared by the tests of tagroll following Nomad's event stream on the multi-node
 * loopback cluster (test/integration/coordinator/nomad-events*.test.ts).
 */

/** One unlabelled or fully labelled series from tagroll's /metrics, undefined when absent. */
export async function metricValue(tagroll: BenchTagroll, series: string): Promise<number | undefined> {
  const text = await (await fetch(`${tagroll.runtime.url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** What `tagroll status` on any instance reports, the leader's Nomad event stream included. */
export function statusOf(tagroll: BenchTagroll): Promise<StatusReport> {
  return new Operations({
    config: tagroll.config,
    kv: tagroll.runtime.kv,
    nomad: tagroll.runtime.nomad,
    logger: createLogger({ level: "silent" }),
  }).status();
}

/** The drift events the coordinator reported so far for `service`. */
export function driftOf(tagroll: BenchTagroll, service: string): DriftEvent[] {
  return tagroll.events.flatMap(({ event }) =>
    event.type === "drift" && event.service === service ? [event] : [],
  );
}

/** A cron schedule that never comes round in a test's lifetime: the reconcile sweep is off. */
export const SWEEP_OFF = "0 0 1 1 *";

export interface FollowingWorld {
  cluster: MultiNodeCluster;
  client: AgentClient;
  /** Between tagroll and the Nomad server: `cut` and `hold` take Nomad away from tagroll only. */
  relay: CuttableRelay;
  tagroll: BenchTagroll;
  logFile: string;
}

/**
 * The 2-node loopback cluster with the demo job of `service` at v1, and tagroll (coordinator on,
 * sweep off) reaching Nomad through a relay, once its event stream is connected. What started is
 * stopped again if a later step fails.
 */
export async function startFollowingWorld(o: {
  service: string;
  count: number;
  logName: string;
  eventBufferSize?: number;
}): Promise<FollowingWorld> {
  const options = o.eventBufferSize === undefined ? {} : { eventBufferSize: o.eventBufferSize };
  const cluster = await startTestCluster(2, undefined, options);
  let relay: CuttableRelay | undefined;
  let tagroll: BenchTagroll | undefined;
  try {
    const client = new AgentClient(cluster.consulAddr, cluster.nomadAddr);
    await client.deployDemo(o.service, "v1", { count: o.count });
    relay = new CuttableRelay(new URL(cluster.nomadAddr));
    await relay.listen();
    const logFile = `${cluster.dir}/${o.logName}`;
    tagroll = await startBenchTagroll({
      consulAddr: cluster.consulAddr,
      nomadAddr: relay.url,
      yaml: `services:\n  - name: ${o.service}\n    image: acme/${o.service}\n    policy:\n      order: none\n`,
      coordinator: true,
      logFile,
      env: { TAGROLL_RECONCILE_SCHEDULE: SWEEP_OFF },
    });
    await tagroll.settled(o.service, "v1");
    const started = tagroll;
    await waitFor(
      "the event stream to connect",
      async () => (await metricValue(started, "tagroll_nomad_event_stream_connected")) === 1,
      { timeoutMs: 60_000 },
    );
    return { cluster, client, relay, tagroll, logFile };
  } catch (err) {
    await tagroll?.close();
    await relay?.close();
    await cluster.stop();
    throw err;
  }
}
