import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../../src/core/clock.js";
import { createWebhookToken } from "../../../src/tokens/index.js";
import { kvDeleteTree, kvGet } from "../../helpers/cluster.js";
import { linesContaining, loadTestConfig } from "../../helpers/tagroll.js";
import { labelValues, sample } from "../../unit/metrics/prom-text.js";
import { serveWithStatus, type ServedTagroll } from "../status-page/serve-with-status.js";
import { historyKey } from "../../../src/state/kv-layout.js";

/**
 * Issue 5, item 5 through the real server and Consul: webhooks counted by source and outcome,
 * the KV write timed, `/metrics` open to a scraper and free of any token.
 */
describe("/metrics on a real runtime", () => {
  const service = `metrics-${randomBytes(3).toString("hex")}`;
  let tagroll: ServedTagroll;
  let hookUrl = "";
  let hookToken = "";

  const push = (tag: string) =>
    fetch(hookUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        push_data: { pushed_at: 1_767_225_600, pusher: "ci", tag },
        repository: {
          repo_name: `tagroll/${service}`,
          namespace: "tagroll",
          name: service,
          status: "Active",
        },
      }),
    });
  const scrape = async () => {
    const res = await fetch(`${tagroll.runtime.url}/metrics`);
    expect(res.status).toBe(200);
    return res.text();
  };

  beforeAll(async () => {
    const config = loadTestConfig({
      yaml: `services:\n  - name: ${service}\n    image: docker.io/tagroll/${service}\n    policy:\n      order: numeric\n`,
    });
    tagroll = await serveWithStatus({ ...config, server: { ...config.server, port: 0 } });
    hookToken = (await createWebhookToken(config.keys, config.activeKeyId, service, systemClock)).token;
    hookUrl = `${tagroll.runtime.url}/hooks/${hookToken}`;
  });

  afterAll(async () => {
    await tagroll?.close();
    await kvDeleteTree(`configs/${service}`);
    await kvDeleteTree(historyKey(service));
  });

  it("counts accepted, duplicate and policy-rejected pushes and times the KV writes", async () => {
    expect((await push("2")).status).toBe(202);
    expect((await push("3")).status).toBe(202);
    expect(await kvGet(`configs/${service}/IMAGE_TAG`)).toBe("3");
    expect((await push("3")).status).toBe(200); // already desired
    expect((await push("1")).status).toBe(200); // a downgrade under `numeric`

    const text = await scrape();
    expect(sample(text, "tagroll_webhooks_total", { source: "dockerhub", outcome: "accepted" })).toBe(2);
    expect(sample(text, "tagroll_webhooks_total", { source: "dockerhub", outcome: "duplicate" })).toBe(1);
    expect(
      sample(text, "tagroll_webhooks_total", { source: "dockerhub", outcome: "rejected_by_policy" }),
    ).toBe(1);
    // Only the two writes are timed; Consul on loopback acknowledges well inside 2.5 s.
    expect(sample(text, "tagroll_kv_write_seconds_count")).toBe(2);
    expect(sample(text, "tagroll_kv_write_seconds_bucket", { le: "2.5" })).toBe(2);
    expect(sample(text, "tagroll_leader")).toBe(0); // coordinator disabled here
    expect(text).toContain("process_resident_memory_bytes");
  });

  it("never shows the webhook token, in metrics or in logs", async () => {
    const text = await scrape();
    expect(text).not.toContain(hookToken);
    for (const part of hookToken.split(".")) expect(text).not.toContain(part);
    expect(new Set(labelValues(text).filter((v) => v.length > 40))).toEqual(new Set());
    expect(linesContaining(tagroll.logs(), hookToken)).toEqual([]);
  });
});
