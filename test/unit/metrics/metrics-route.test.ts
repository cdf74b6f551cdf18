import type { AddressInfo } from "node:net";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMetrics } from "../../../src/metrics/create-metrics.js";
import { sample } from "./prom-text.js";

describe("GET /metrics", () => {
  const metrics = createMetrics();
  let base = "";
  let close = () => {};

  beforeAll(async () => {
    const app = express().use("/", metrics.router);
    const server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
  });
  afterAll(() => close());

  it("serves the registry in Prometheus text format without authentication", async () => {
    metrics.ingressObserver.onWebhook({ service: "web", source: "harbor", outcome: "duplicate" });
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const text = await res.text();
    expect(sample(text, "tagroll_webhooks_total", { source: "harbor", outcome: "duplicate" })).toBe(1);
    expect(text).toContain("# TYPE tagroll_rollouts_total counter");
    expect(text).toContain("# TYPE tagroll_leader gauge");
  });

  it("serves nothing else", async () => {
    expect((await fetch(`${base}/metrics/x`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: "POST" })).status).toBe(404);
  });
});
