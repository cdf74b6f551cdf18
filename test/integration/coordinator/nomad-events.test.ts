import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MultiNodeCluster } from "../../../src/agents/multi-node-cluster.js";
import { AgentClient } from "../../bench/agent-client.js";
import type { BenchTagroll } from "../../bench/bench-tagroll.js";
import { waitFor } from "../../helpers/cluster.js";
import {
  driftOf,
  metricValue,
  startFollowingWorld,
  statusOf,
  SWEEP_OFF,
} from "../../helpers/event-probes.js";
import { getJsonFrom, runningAllocsOn } from "../../helpers/multi-node.js";
import { CuttableRelay } from "../../helpers/tcp-relay.js";
import { registerPinned as pinJob } from "../../helpers/pinned-job.js";

/**
 * Nomad-side changes found through Nomad's event stream (README, "Running at scale"), on the
 * 2-node loopback cluster with a real tagroll (startRuntime). The reconcile sweep is scheduled
 * once a year, so only the stream can find the drift in time. tagroll reaches Nomad through a
 * relay the test cuts, to show the stream resumes after a disconnect.
 */
const SERVICE = "ev-drift";

describe("reconcile driven by Nomad's event stream", () => {
  let cluster: MultiNodeCluster;
  let client: AgentClient;
  let relay: CuttableRelay;
  let tagroll: BenchTagroll;
  let logFile: string;

  const metric = (series: string) => metricValue(tagroll, series);
  const drift = () => driftOf(tagroll, SERVICE);

  const registerPinned = (tag: string) => pinJob(cluster.nomadAddr, SERVICE, tag, 2);

  beforeAll(async () => {
    ({ cluster, client, relay, tagroll, logFile } = await startFollowingWorld({
      service: SERVICE,
      count: 2,
      logName: "tagroll-events.log",
    }));
    expect(tagroll.config.coordinator.reconcileSchedule).toBe(SWEEP_OFF);
    // What `tagroll status` on any instance says of the leader's stream, read from the leader key.
    await waitFor("the leader key to say the stream is followed", async () => {
      const { leader } = await statusReport();
      return leader?.nomadEvents?.state === "connected";
    });
  }, 300_000);

  const statusReport = () => statusOf(tagroll);

  afterAll(async () => {
    await tagroll?.close();
    await relay?.close();
    await cluster?.stop();
  });

  it("reports a new allocation rendering another value as drift within seconds, with the sweep off", async () => {
    const before = new Set((await runningAllocsOn(cluster.nomadAddr, SERVICE)).map((a) => a.ID));
    expect(drift()).toEqual([]);
    const registered = Date.now();
    await registerPinned("v0-pinned");
    const found = await waitFor(
      "drift of a new allocation",
      async () => drift().find((d) => !before.has(d.allocId) && d.rendered === "v0-pinned"),
      { timeoutMs: 90_000, intervalMs: 200 },
    );
    console.log(`drift of a new allocation reported ${Date.now() - registered} ms after the job run`);
    expect(found).toMatchObject({ service: SERVICE, desired: "v1", rendered: "v0-pinned" });
    // It is an allocation Nomad placed for the new revision, and it was running when reported.
    const alloc = await client.allocation(found.allocId);
    expect(alloc.JobID).toBe(SERVICE);
    expect(await metric(`tagroll_drift_total{service="${SERVICE}"}`)).toBeGreaterThanOrEqual(1);
    // Nothing was restarted: drift is reported, not acted on.
    expect(tagroll.restarts).toEqual([]);
    // Once Nomad has replaced both, each new allocation was reported.
    await waitFor(
      "every allocation of the new revision reported",
      async () => {
        const running = await runningAllocsOn(cluster.nomadAddr, SERVICE);
        const reported = new Set(drift().map((d) => d.allocId));
        return running.length === 2 && running.every((a) => !before.has(a.ID) && reported.has(a.ID));
      },
      { timeoutMs: 180_000, intervalMs: 500 },
    );
  }, 240_000);

  it("resumes the stream after a disconnect and still acts on an event after it", async () => {
    const disconnects =
      (await metric('tagroll_nomad_event_stream_failures_total{reason="disconnected"}')) ?? 0;
    expect(relay.cut()).toBeGreaterThan(0);
    await waitFor(
      "the stream to notice the disconnect and reconnect",
      async () =>
        ((await metric('tagroll_nomad_event_stream_failures_total{reason="disconnected"}')) ?? 0) >
          disconnects && (await metric("tagroll_nomad_event_stream_connected")) === 1,
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    // The new connection resumed from an index (last frame + 1), not from the start.
    const connections = async () =>
      (await readFile(logFile, "utf8"))
        .split("\n")
        .filter((l) => l.includes("following Nomad's event stream"))
        .map((l) => (JSON.parse(l) as { index: number }).index);
    // The log line may reach the file a moment after the metric changed.
    const resumed = await waitFor("the reconnect's log line", async () => {
      const lines = await connections();
      return lines.length >= 2 && lines;
    });
    expect(resumed.length).toBeGreaterThanOrEqual(2);
    expect(resumed.at(-1)).toBeGreaterThan(0);

    // Nomad replaces a stopped allocation with a new one of the (pinned) current revision.
    const running = await runningAllocsOn(cluster.nomadAddr, SERVICE);
    const seen = new Set([...drift().map((d) => d.allocId), ...running.map((a) => a.ID)]);
    const victim = running[0];
    const stopped = Date.now();
    await getJsonFrom(cluster.nomadAddr, `/v1/allocation/${victim!.ID}/stop`, { method: "POST" });
    const found = await waitFor(
      "drift of the replacement allocation",
      async () => drift().find((d) => !seen.has(d.allocId)),
      { timeoutMs: 90_000, intervalMs: 200 },
    );
    console.log(`drift of the replacement allocation reported ${Date.now() - stopped} ms after the stop`);
    expect(found).toMatchObject({ service: SERVICE, desired: "v1", rendered: "v0-pinned" });
  }, 240_000);
});
