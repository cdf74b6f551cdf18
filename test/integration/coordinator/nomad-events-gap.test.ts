import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MultiNodeCluster } from "../../../src/agents/multi-node-cluster.js";
import { parseDemoJob } from "../../../src/demo/demo-job.js";
import type { BenchTagroll } from "../../bench/bench-tagroll.js";
import { waitFor } from "../../helpers/cluster.js";
import { driftOf, metricValue, startFollowingWorld, statusOf } from "../../helpers/event-probes.js";
import { getJsonFrom, runningAllocsOn } from "../../helpers/multi-node.js";
import { registerPinned } from "../../helpers/pinned-job.js";
import { CuttableRelay } from "../../helpers/tcp-relay.js";
import { launchChromium } from "../../helpers/chromium.js";
import { createAdminToken } from "../../../src/tokens/index.js";

/**
 * Nomad keeps only its last `event_buffer_size` events, so an event stream resumed after a long
 * disconnect can start past changes nobody saw (README, "Running at scale"). On the 2-node
 * loopback cluster with a Nomad server that keeps 2, tagroll is kept away from Nomad while a
 * job revision places new allocations and other jobs' changes push those events out of the
 * buffer; the reconcile sweep is off, so only the look-up after the reconnect can find the drift.
 * Then the same with that look-up failing at first: it must show, and be tried again.
 */
const SERVICE = "ev-gap";
const BUFFER = 2;

describe("Nomad event stream resumed past its buffer", () => {
  let cluster: MultiNodeCluster;
  let relay: CuttableRelay;
  let tagroll: BenchTagroll;
  let logFile: string;

  const metric = (series: string) => metricValue(tagroll, series);
  const drift = () => driftOf(tagroll, SERVICE);
  const logLines = async () =>
    (await readFile(logFile, "utf8"))
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  beforeAll(async () => {
    ({ cluster, relay, tagroll, logFile } = await startFollowingWorld({
      service: SERVICE,
      count: 1,
      logName: "tagroll-gap.log",
      eventBufferSize: BUFFER,
    }));
  }, 300_000);

  afterAll(async () => {
    await tagroll?.close();
    await relay?.close();
    await cluster?.stop();
  });

  const statusReport = () => statusOf(tagroll);

  /** The status page's leader line, as Debian's headless Chromium shows it. */
  async function pageLeaderLine(): Promise<string> {
    const { keys, activeKeyId } = tagroll.config;
    const { token } = await createAdminToken(keys, activeKeyId, {
      subject: "gap-test",
      scopes: ["read"],
      expiresIn: 300,
    });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${tagroll.runtime.url}/#token=${token}`);
      await page.waitForSelector(`[data-service="${SERVICE}"]`);
      return (await page.textContent("#leader")) ?? "";
    } finally {
      await browser.close();
    }
  }

  /**
   * With tagroll kept from Nomad (the relay held, left so): a revision whose new allocation
   * renders `tag`, then enough other changes that Nomad's buffer holds no event about it.
   */
  async function changeWhileAway(tag: string, round: number): Promise<{ ID: string }> {
    const before = new Set((await runningAllocsOn(cluster.nomadAddr, SERVICE)).map((a) => a.ID));
    relay.hold();
    await waitFor(
      "the stream to notice it lost Nomad",
      async () => (await metric("tagroll_nomad_event_stream_connected")) === 0,
      { timeoutMs: 90_000, intervalMs: 200 },
    );
    await registerPinned(cluster.nomadAddr, SERVICE, tag, 1);
    const placed = await waitFor(
      "the new allocation running",
      async () => (await runningAllocsOn(cluster.nomadAddr, SERVICE)).find((a) => !before.has(a.ID)),
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    // Its deployment done, Nomad has nothing more to say about it ...
    await waitFor(
      "the revision's deployment to finish",
      async () =>
        (await getJsonFrom<{ Status: string } | null>(cluster.nomadAddr, `/v1/job/${SERVICE}/deployment`))
          ?.Status === "successful",
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    // ... then other jobs' changes, enough to push every event about it out of Nomad's buffer.
    const filler = (await parseDemoJob(cluster.nomadAddr, { service: "ev-gap-filler", count: 0 })) as {
      Meta?: Record<string, string>;
    };
    for (let i = 0; i < BUFFER * 3; i++) {
      filler.Meta = { ...filler.Meta, round: `${round}-${i}` };
      await getJsonFrom(cluster.nomadAddr, "/v1/jobs", {
        method: "POST",
        body: JSON.stringify({ Job: filler }),
      });
    }
    // What a stream opened now replays holds nothing about the new allocation.
    const replay = await readStream(
      `${cluster.nomadAddr}/v1/event/stream?topic=Allocation&topic=Job&topic=Deployment&namespace=*&index=1`,
      3_000,
    );
    expect(replay).toContain("ev-gap-filler");
    expect(replay).not.toContain(placed.ID);
    return placed;
  }

  it("finds a change whose events Nomad no longer buffers once the stream is back", async () => {
    const placed = await changeWhileAway("v0-gap", 1);
    const reconnected = Date.now();
    relay.release();
    const found = await waitFor(
      "drift of the allocation placed while the stream was away",
      async () => drift().find((d) => d.allocId === placed.ID),
      // The reconnect backoff may have grown to its 60 s cap while Nomad was out of reach.
      { timeoutMs: 150_000, intervalMs: 200 },
    );
    console.log(`drift found ${Date.now() - reconnected} ms after Nomad was reachable again`);
    expect(found).toMatchObject({ service: SERVICE, desired: "v1", rendered: "v0-gap" });
    const lookUp = await waitFor("the look-up's log line", async () =>
      (await logLines()).find(
        (l) => l["msg"] === "checked what changed in Nomad while its event stream was away",
      ),
    );
    expect(lookUp).toMatchObject({ services: 1, names: [SERVICE] });
    expect(tagroll.restarts).toEqual([]);
  }, 420_000);

  it("shows a look-up that fails in metrics, status and the log, and tries it again until it gets through", async () => {
    const placed = await changeWhileAway("v0-gap-2", 2);
    const failuresBefore =
      (await metric('tagroll_nomad_event_stream_failures_total{reason="catch-up"}')) ?? 0;
    // Nomad is back for the stream, but its allocation list fails (a proxy refusing that path).
    relay.refuse(/^GET \/v1\/allocations\b/);
    relay.release();
    await waitFor(
      "the failed look-up in the metrics",
      async () => (await metric("tagroll_nomad_event_stream_gap_unchecked")) === 1,
      { timeoutMs: 150_000, intervalMs: 200 },
    );
    expect(relay.refusals).toBeGreaterThan(0);
    expect(await metric('tagroll_nomad_event_stream_failures_total{reason="catch-up"}')).toBeGreaterThan(
      failuresBefore,
    );
    const gap = await waitFor(
      "status to say the gap is unchecked",
      async () => (await statusReport()).leader?.nomadEvents?.uncheckedGap,
    );
    expect(gap.since).toEqual(expect.any(String));
    expect((await statusReport()).leader?.nomadEvents?.state).toBe("connected");
    expect(await pageLeaderLine()).toContain(
      "what changed in Nomad while its event stream was away could not be listed",
    );
    const warned = await waitFor("the warning in the log", async () =>
      (await logLines()).find((l) =>
        String(l["msg"]).startsWith("could not list what changed in Nomad while its event stream was away"),
      ),
    );
    expect(warned).toMatchObject({ level: 40, retryInMs: 30_000 });
    expect(drift().find((d) => d.allocId === placed.ID)).toBeUndefined();

    const fixed = Date.now();
    relay.refuse(undefined);
    const found = await waitFor(
      "drift found by the look-up tried again",
      async () => drift().find((d) => d.allocId === placed.ID),
      { timeoutMs: 90_000, intervalMs: 200 },
    );
    console.log(`drift found ${Date.now() - fixed} ms after the allocation list worked again`);
    expect(found).toMatchObject({ service: SERVICE, desired: "v1", rendered: "v0-gap-2" });
    await waitFor(
      "the gauge back to 0",
      async () => (await metric("tagroll_nomad_event_stream_gap_unchecked")) === 0,
    );
    await waitFor("status to drop the unchecked gap", async () => {
      const events = (await statusReport()).leader?.nomadEvents;
      return events?.state === "connected" && events.uncheckedGap === undefined;
    });
  }, 420_000);
});

/** What an endless HTTP body (Nomad's event stream) sends within `ms`. */
async function readStream(url: string, ms: number): Promise<string> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  let text = "";
  try {
    const res = await fetch(url, { signal: controller.signal });
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      text += decoder.decode(chunk, { stream: true });
    }
  } catch (err) {
    if (!controller.signal.aborted) throw err;
  } finally {
    clearTimeout(timer);
  }
  return text;
}
