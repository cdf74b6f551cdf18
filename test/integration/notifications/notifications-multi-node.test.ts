import { createHmac, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MultiNodeCluster } from "../../../src/agents/multi-node-cluster.js";
import { freePort } from "../../../src/agents/free-port.js";
import { AgentClient } from "../../bench/agent-client.js";
import { startBenchTagroll, type BenchTagroll } from "../../bench/bench-tagroll.js";
import { waitFor } from "../../helpers/cluster.js";
import { startTestCluster } from "../../helpers/multi-node.js";
import { sample } from "../../unit/metrics/prom-text.js";
import { startReceiver, type Received, type Receiver } from "./receivers.js";

/**
 * Notifications from real rollouts on the multi-node loopback cluster (README, "Notifications"):
 * a signed webhook and a Slack-format target on real local HTTP receivers, next to three broken
 * receivers — nothing listening, HTTP 500, and one that never answers. The rollouts go exactly as
 * they would without notifications, and every broken delivery shows in the metrics.
 */
describe("notifications on a multi-node cluster", () => {
  const service = "mn-notify";
  const key = `configs/${service}/IMAGE_TAG`;
  const secret = randomBytes(24).toString("hex");
  const slackPath = `/services/T0001/B0001/${randomBytes(12).toString("hex")}`;
  let cluster: MultiNodeCluster;
  let client: AgentClient;
  let tagroll: BenchTagroll;
  let ok: Receiver, slack: Receiver, failing: Receiver, hanging: Receiver;
  let logFile: string;

  beforeAll(async () => {
    cluster = await startTestCluster(2);
    client = new AgentClient(cluster.consulAddr, cluster.nomadAddr);
    [ok, slack, failing, hanging] = await Promise.all([
      startReceiver(204),
      startReceiver(200),
      startReceiver(500),
      startReceiver("hang"),
    ]);
    const down = `http://127.0.0.1:${await freePort()}/nobody-listens`;
    await client.deployDemo(service, "v1", { count: 3, healthyDeadline: "15s" });
    logFile = `${cluster.dir}/tagroll.log`;
    const targets = [
      ["ok", "webhook", `${ok.url}/hook`],
      ["chat", "slack", undefined],
      ["down", "webhook", down],
      ["failing", "webhook", `${failing.url}/hook`],
      ["hanging", "webhook", `${hanging.url}/hook`],
    ] as const;
    const yaml = [
      `services:\n  - name: ${service}\n    image: acme/${service}\n    policy:\n      order: none\n`,
      `    notifications:\n      - name: chat\n        kind: slack\n`,
      `notifications:\n  attempts: 2\n  timeout: 8s\n  backoff: 100ms\n  maxBackoff: 200ms\n  targets:\n`,
      ...targets
        .filter(([name]) => name !== "chat")
        .map(([name, kind, url]) => `    - name: ${name}\n      kind: ${kind}\n      url: ${url}\n`),
    ].join("");
    tagroll = await startBenchTagroll({
      consulAddr: cluster.consulAddr,
      nomadAddr: cluster.nomadAddr,
      yaml,
      coordinator: true,
      logFile,
      env: {
        TAGROLL_NOTIFY_CHAT_URL: `${slack.url}${slackPath}`,
        ...Object.fromEntries(
          targets
            .filter(([, kind]) => kind === "webhook")
            .map(([name]) => [`TAGROLL_NOTIFY_${name.toUpperCase()}_SECRET`, secret]),
        ),
      },
    });
    await tagroll.settled(service, "v1");
  });

  afterAll(async () => {
    await tagroll?.close();
    await Promise.all([ok, slack, failing, hanging].map((r) => r?.close()));
    await cluster?.stop();
  });

  const bodies = (r: Receiver) => r.received.map((x) => JSON.parse(x.body) as Record<string, unknown>);
  const metrics = async () => (await fetch(`${tagroll.runtime.url}/metrics`)).text();
  const count = async (target: string, event: string, outcome: string) =>
    sample(await metrics(), "tagroll_notifications_total", { target, event, outcome }) ?? 0;

  /** Checked independently of tagroll's own code: HMAC-SHA256 of the raw body, fresh timestamp. */
  function expectSigned(r: Received): void {
    const expected = `sha256=${createHmac("sha256", secret).update(r.body).digest("hex")}`;
    expect(r.headers["x-tagroll-signature"]).toBe(expected);
    const stamp = Number(r.headers["x-tagroll-timestamp"]);
    expect(JSON.parse(r.body).timestamp).toBe(stamp);
    expect(Math.abs(r.arrived / 1000 - stamp)).toBeLessThan(60);
    expect(r.headers["content-type"]).toBe("application/json");
  }

  it("announces a successful rollout, signed, to the webhook and in Slack format, while broken receivers change nothing", async () => {
    await client.kvPut(key, "v2");
    await tagroll.finished(service, "v2");
    await client.waitForTag(service, 3, "v2");
    const record = JSON.parse((await tagroll.runtime.kv.get(`tagroll/rollouts/${service}`))!.value) as {
      status: string;
      allocs: Array<{ state: string }>;
    };
    expect(record.status).toBe("succeeded");
    expect(record.allocs.map((a) => a.state)).toEqual(["healthy", "healthy", "healthy"]);

    await waitFor("both notifications at the webhook", async () => ok.received.length >= 2);
    for (const r of ok.received) expectSigned(r);
    expect(bodies(ok)).toEqual([
      expect.objectContaining({
        event: "rollout-started",
        service,
        value: "v2",
        previousValue: "v1",
        rolloutKind: "deploy",
        attempt: 1,
      }),
      expect.objectContaining({ event: "rollout-succeeded", service, value: "v2", previousValue: "v1" }),
    ]);
    expect(ok.received.map((r) => r.headers["x-tagroll-event"])).toEqual([
      "rollout-started",
      "rollout-succeeded",
    ]);

    await waitFor("both notifications in Slack format", async () => slack.received.length >= 2);
    expect(slack.received.map((r) => r.path)).toEqual([slackPath, slackPath]);
    const [startedMsg, doneMsg] = bodies(slack) as Array<{ text: string; blocks: Array<{ type: string }> }>;
    expect(startedMsg?.text).toBe(`:arrow_forward: *${service}*: rollout of \`v2\` started (from \`v1\`)`);
    expect(doneMsg?.text).toMatch(
      new RegExp(`^:white_check_mark: \\*${service}\\*: \`v2\` rolled out \\(from \`v1\`\\) in \\d+`),
    );
    expect(doneMsg?.blocks.map((b) => b.type)).toEqual(["section", "context"]);
    expect(slack.received[0]?.headers["x-tagroll-signature"]).toBeUndefined();

    // The rollout moved on while the hanging receiver still held the "started" notification open.
    const firstStep = tagroll.events.find(
      (e) => e.event.type === "alloc-step" && e.event.service === service,
    );
    await waitFor(
      "the hanging receiver's first request to be cut off",
      async () => hanging.received[0]?.closed,
    );
    expect(firstStep!.wall).toBeLessThan(hanging.received[0]!.closed!);

    // Every broken receiver is counted, after its retries.
    await waitFor(
      "the broken targets to be counted",
      async () =>
        (await count("down", "rollout-started", "failed")) === 1 &&
        (await count("failing", "rollout-started", "failed")) === 1 &&
        (await count("hanging", "rollout-started", "failed")) === 1,
      { timeoutMs: 90_000 },
    );
    const text = await metrics();
    expect(
      sample(text, "tagroll_notification_attempts_total", { target: "down", result: "network" }),
    ).toBeGreaterThanOrEqual(2);
    expect(
      sample(text, "tagroll_notification_attempts_total", { target: "failing", result: "5xx" }),
    ).toBeGreaterThanOrEqual(2);
    expect(
      sample(text, "tagroll_notification_attempts_total", { target: "hanging", result: "timeout" }),
    ).toBeGreaterThanOrEqual(2);
    expect(failing.received.length).toBeGreaterThanOrEqual(2);
    expect(await count("ok", "rollout-succeeded", "delivered")).toBe(1);
    expect(await count("chat", "rollout-succeeded", "delivered")).toBe(1);
    expect(sample(text, "tagroll_rollouts_total", { service, outcome: "succeeded" })).toBe(1);
  });

  it("announces a reverted rollout with the failed value and the one written back", async () => {
    const before = ok.received.length;
    await client.kvPut(key, "v3-broken");
    await waitFor(
      "the broken rollout to be reverted",
      async () =>
        tagroll.events.find(({ event }) => event.type === "rollout-finished" && event.status === "reverted"),
      { timeoutMs: 180_000 },
    );
    await waitFor("the revert notification", async () =>
      bodies(ok)
        .slice(before)
        .find((b) => b["event"] === "rollout-reverted"),
    );
    const reverted = bodies(ok)
      .slice(before)
      .find((b) => b["event"] === "rollout-reverted");
    expect(reverted).toMatchObject({ service, value: "v3-broken", revertedTo: "v2", previousValue: "v2" });
    expect(typeof reverted?.["error"]).toBe("string");
    for (const r of ok.received.slice(before)) expectSigned(r);
    await client.waitForTag(service, 3, "v2");
    await waitFor("the revert in Slack", async () =>
      bodies(slack).some((b) => String(b["text"]).includes("failed and was reverted to `v2`")),
    );
  });

  it("never writes a secret or the Slack URL to the log or the metrics", async () => {
    const log = await readFile(logFile, "utf8");
    expect(log).toContain("notification");
    for (const text of [log, await metrics()]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(slackPath.split("/").at(-1));
    }
  });
});
