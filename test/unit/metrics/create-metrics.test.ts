import { register as globalRegistry } from "prom-client";
import { describe, expect, it } from "vitest";
import type { AllocStepEvent, CoordinatorEvent } from "../../../src/coordinator/index.js";
import { notify } from "../../../src/coordinator/index.js";
import { createLogger } from "../../../src/core/logger.js";
import { createMetrics } from "../../../src/metrics/create-metrics.js";
import { sample } from "./prom-text.js";

const T0 = Date.UTC(2026, 0, 3, 8, 0);
const log = createLogger({ level: "silent" });
const base = { service: "web", rolloutId: "r1" };

function step(allocId: string, s: AllocStepEvent["step"], atSeconds: number): AllocStepEvent {
  return {
    type: "alloc-step",
    ...base,
    at: T0 + atSeconds * 1000,
    allocId,
    allocName: `web.web[${allocId}]`,
    jobId: "web",
    group: "web",
    step: s,
    value: "v2",
  };
}

/** One series of the per-allocation duration histogram of service "web". */
function allocSeconds(out: string, series: "count" | "sum" | "bucket", labels: Record<string, string>) {
  return sample(out, `tagroll_alloc_rollout_duration_seconds_${series}`, { service: "web", ...labels });
}

function fresh() {
  const metrics = createMetrics({ defaultMetrics: false });
  const send = (...events: CoordinatorEvent[]) =>
    events.forEach((event) => notify([metrics.rolloutObserver], event, log));
  return { metrics, send, text: () => metrics.registry.metrics() };
}

describe("createMetrics", () => {
  it("counts webhooks by source and outcome and observes KV write latency", async () => {
    const { metrics, text } = fresh();
    metrics.ingressObserver.onWebhook({
      service: "web",
      source: "dockerhub",
      outcome: "accepted",
      kvWriteMs: 4,
    });
    metrics.ingressObserver.onWebhook({
      service: "web",
      source: "dockerhub",
      outcome: "accepted",
      kvWriteMs: 30,
    });
    metrics.ingressObserver.onWebhook({ service: "web", source: "ghcr", outcome: "rejected_by_policy" });
    const out = await text();
    expect(sample(out, "tagroll_webhooks_total", { source: "dockerhub", outcome: "accepted" })).toBe(2);
    expect(sample(out, "tagroll_webhooks_total", { source: "ghcr", outcome: "rejected_by_policy" })).toBe(1);
    expect(sample(out, "tagroll_webhooks_total", { source: "ghcr", outcome: "accepted" })).toBeUndefined();
    expect(sample(out, "tagroll_kv_write_seconds_count")).toBe(2);
    expect(sample(out, "tagroll_kv_write_seconds_sum")).toBeCloseTo(0.034, 6);
    expect(sample(out, "tagroll_kv_write_seconds_bucket", { le: "0.005" })).toBe(1);
    expect(sample(out, "tagroll_kv_write_seconds_bucket", { le: "0.05" })).toBe(2);
  });

  it("records a rollout: restarts, per-allocation durations, outcome and duration", async () => {
    const { send, text } = fresh();
    send(
      {
        type: "rollout-started",
        ...base,
        at: T0,
        kind: "deploy",
        value: "v2",
        previousValue: "v1",
        resumed: false,
      },
      step("a", "rendering", 0),
      step("a", "restarting", 1),
      step("a", "health", 2),
      step("a", "healthy", 6),
      step("b", "rendering", 6),
      { ...step("b", "restarting", 7), undrained: "Consul maintenance refused" },
      step("b", "health", 8),
      step("b", "healthy", 16),
      {
        type: "rollout-finished",
        ...base,
        at: T0 + 16_000,
        status: "succeeded",
        value: "v2",
        durationMs: 16_000,
      },
    );
    const out = await text();
    expect(sample(out, "tagroll_restarts_total", { service: "web" })).toBe(2);
    expect(sample(out, "tagroll_undrained_restarts_total", { service: "web" })).toBe(1);
    expect(allocSeconds(out, "count", { outcome: "healthy" })).toBe(2);
    expect(allocSeconds(out, "sum", { outcome: "healthy" })).toBe(16);
    expect(allocSeconds(out, "bucket", { outcome: "healthy", le: "5" })).toBe(0);
    expect(allocSeconds(out, "bucket", { outcome: "healthy", le: "10" })).toBe(2);
    expect(sample(out, "tagroll_rollouts_total", { service: "web", outcome: "succeeded" })).toBe(1);
    expect(
      sample(out, "tagroll_rollout_duration_seconds_sum", { service: "web", outcome: "succeeded" }),
    ).toBe(16);
    expect(sample(out, "tagroll_reverts_total", { service: "web" })).toBeUndefined();
  });

  it("records failures, reverts, supersedes and drift", async () => {
    const { send, text } = fresh();
    send(
      step("a", "rendering", 0),
      step("a", "restarting", 1),
      step("a", "failed", 61),
      { type: "rollout-reverting", ...base, at: T0 + 61_000, from: "v2", to: "v1", reason: "deadline" },
      { type: "rollout-superseded", ...base, at: T0 + 62_000, from: "v1", to: "v3" },
      {
        type: "rollout-finished",
        ...base,
        at: T0 + 90_000,
        status: "reverted",
        value: "v1",
        durationMs: 90_000,
      },
      { type: "drift", service: "db", allocId: "x", desired: "v1", rendered: "v0", at: T0 },
    );
    const out = await text();
    expect(allocSeconds(out, "sum", { outcome: "failed" })).toBe(61);
    expect(sample(out, "tagroll_reverts_total", { service: "web" })).toBe(1);
    expect(sample(out, "tagroll_rollouts_superseded_total", { service: "web" })).toBe(1);
    expect(sample(out, "tagroll_rollouts_total", { service: "web", outcome: "reverted" })).toBe(1);
    expect(sample(out, "tagroll_rollouts_total", { service: "web", outcome: "succeeded" })).toBeUndefined();
    expect(sample(out, "tagroll_drift_total", { service: "db" })).toBe(1);
  });

  it("does not time an allocation whose turn started under another leader", async () => {
    const { send, text } = fresh();
    send(step("a", "health", 5), step("a", "healthy", 9), step("b", "healthy", 9));
    const out = await text();
    // "a" was seen from its health step on (4 s); "b" only at its end: no duration for it.
    expect(allocSeconds(out, "count", { outcome: "healthy" })).toBe(1);
    expect(allocSeconds(out, "sum", { outcome: "healthy" })).toBe(4);
  });

  it("shows leadership as a 0/1 gauge, 0 before any election", async () => {
    const { send, text } = fresh();
    expect(sample(await text(), "tagroll_leader")).toBe(0);
    send({ type: "leadership", leader: true, at: T0 });
    expect(sample(await text(), "tagroll_leader")).toBe(1);
    send({ type: "leadership", leader: false, at: T0 + 1 });
    expect(sample(await text(), "tagroll_leader")).toBe(0);
  });

  it("uses its own registry: two instances coexist and the global registry stays empty", async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.ingressObserver.onWebhook({ service: "web", source: "generic", outcome: "accepted" });
    expect(
      sample(await a.registry.metrics(), "tagroll_webhooks_total", {
        source: "generic",
        outcome: "accepted",
      }),
    ).toBe(1);
    expect(
      sample(await b.registry.metrics(), "tagroll_webhooks_total", {
        source: "generic",
        outcome: "accepted",
      }),
    ).toBeUndefined();
    expect(await globalRegistry.metrics()).not.toContain("tagroll_");
    // Default process metrics are on the instance's registry.
    const text = await a.registry.metrics();
    expect(sample(text, "process_cpu_user_seconds_total")).toBeGreaterThanOrEqual(0);
    expect(text).toContain("nodejs_heap_size_used_bytes");
  });
});
