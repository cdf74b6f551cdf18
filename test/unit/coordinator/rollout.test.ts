import { afterEach, describe, expect, it } from "vitest";
import { NotFoundError } from "../../../src/core/errors.js";
import { Harness, serviceConfig, withWebJob } from "./fakes/harness.js";
import { HistoryStore } from "../../../src/state/history-store.js";
import { requestKey } from "../../../src/state/kv-layout.js";

const KEY = "configs/web/IMAGE_TAG";

const started = withWebJob;

describe("rollout engine (fake Nomad/Consul, virtual time)", () => {
  let h: Harness;
  afterEach(async () => {
    await h.stopAll();
  });

  it("adopts the current value on first start and restarts nothing", async () => {
    h = await started(new Harness());
    h.coordinator([serviceConfig("web")]);
    await h.finished("web", "v1");
    expect(h.record("web")?.kind).toBe("adopted");
    await h.clock.sleep(30_000);
    expect(h.nomad.restarts).toEqual([]);
  });

  it("rolls a KV edit out one allocation at a time, health-gated, each restarted once", async () => {
    h = await started(new Harness());
    h.coordinator([serviceConfig("web")]);
    await h.finished("web", "v1");
    await h.put(KEY, "v2");
    const record = await h.finished("web", "v2");

    expect(record.status).toBe("succeeded");
    expect(record.previousValue).toBe("v1");
    expect(h.nomad.served("web")).toEqual(["v2", "v2", "v2"]);
    const ids = h.nomad.restarts.map((r) => r.allocId);
    expect(new Set(ids).size).toBe(3);
    expect(ids).toHaveLength(3);
    // Each allocation was drained (out of Consul's passing set) for the job's shutdown_delay first,
    // and is back in rotation at the end.
    for (const r of h.nomad.restarts)
      expect(r.at - (r.drainedSince ?? Infinity)).toBeGreaterThanOrEqual(2_000);
    expect(h.nomad.maintenance.size).toBe(0);
    // Never more than max_parallel (1) allocations unhealthy when a restart is issued.
    expect(Math.max(...h.nomad.restarts.map((r) => r.unhealthy))).toBe(1);
    // Each restart waits for the previous allocation: restart + checks passing + min_healthy_time
    // (+ the next allocation's drain).
    const floor = h.nomad.restartMs + h.nomad.healthyAfterMs + 2_000 + 2_000;
    const times = h.nomad.restarts.map((r) => r.at);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(floor);
    expect(record.allocs.map((a) => [a.state, a.restartedFor])).toEqual([
      ["healthy", "v2"],
      ["healthy", "v2"],
      ["healthy", "v2"],
    ]);
    const steps = h.events.filter((e) => e.type === "alloc-step").map((e) => e.step);
    expect(steps.slice(0, 5)).toEqual(["rendering", "draining", "restarting", "health", "healthy"]);
  });

  it("restarts in batches of max_parallel", async () => {
    h = await started(new Harness(), 4, { MaxParallel: 2 });
    h.coordinator([serviceConfig("web")]);
    await h.finished("web", "v1");
    await h.put(KEY, "v2");
    await h.finished("web", "v2");

    const times = h.nomad.restarts.map((r) => r.at);
    expect(times).toHaveLength(4);
    expect(times[0]).toBe(times[1]);
    expect(times[2]).toBe(times[3]);
    expect(times[2]! - times[0]!).toBeGreaterThanOrEqual(h.nomad.restartMs + h.nomad.healthyAfterMs + 2_000);
    expect(Math.max(...h.nomad.restarts.map((r) => r.unhealthy))).toBe(2);
  });

  it("a per-service override wins over the job's update block", async () => {
    h = await started(new Harness(), 4, { MaxParallel: 1 });
    h.coordinator([serviceConfig("web", { maxParallel: 4, minHealthyTimeMs: 0 })]);
    await h.finished("web", "v1");
    await h.put(KEY, "v2");
    await h.finished("web", "v2");
    expect(new Set(h.nomad.restarts.map((r) => r.at)).size).toBe(1);
  });

  it("a failing value stops after the first allocation, writes the previous value back and restores it", async () => {
    h = await started(new Harness());
    h.coordinator([serviceConfig("web")]);
    await h.finished("web", "v1");
    await h.put(KEY, "v2-broken");
    const record = await h.finished("web", "v2-broken");

    expect(record.status).toBe("reverted");
    expect(h.peek(KEY)).toBe("v1");
    const first = h.restartsFor("v2-broken");
    expect(first).toHaveLength(1);
    // Only the allocation that was moved is restored; the other two were never touched.
    expect(h.restartsFor("v1")).toEqual(first);
    expect(h.nomad.restarts).toHaveLength(2);
    expect(h.nomad.served("web")).toEqual(["v1", "v1", "v1"]);
    expect(record.error).toMatch(/healthy_deadline/);
    const history = await new HistoryStore(h.kv).list("web");
    expect(history.at(-1)).toMatchObject({ kind: "revert", outcome: "reverted" });
    // Our own revert write is not a new rollout.
    await h.clock.sleep(120_000);
    expect(h.nomad.restarts).toHaveLength(2);
  });

  it("without autoRevert a failure leaves the rollout failed and the value in place", async () => {
    h = await started(new Harness());
    h.coordinator([serviceConfig("web", { autoRevert: false })]);
    await h.finished("web", "v1");
    await h.put(KEY, "v2-broken");
    const record = await h.finished("web", "v2-broken");
    expect(record.status).toBe("failed");
    expect(h.peek(KEY)).toBe("v2-broken");
    expect(h.nomad.restarts).toHaveLength(1);
  });

  it("a newer value supersedes a running rollout and everything ends on it", async () => {
    h = await started(new Harness());
    h.coordinator([serviceConfig("web")]);
    await h.finished("web", "v1");
    await h.put(KEY, "v2");
    await h.clock.until(() => h.nomad.restarts.length === 1);
    await h.put(KEY, "v3");
    const record = await h.finished("web", "v3");

    expect(record.status).toBe("succeeded");
    expect(record.superseded).toEqual(["v2"]);
    expect(h.nomad.served("web")).toEqual(["v3", "v3", "v3"]);
    const first = h.restartsFor("v2");
    expect(first).toHaveLength(1);
    // The allocation restarted for v2 is restarted again for v3; each restarted once for v3.
    expect(h.restartsFor("v3").sort()).toEqual(
      h.nomad
        .live("web")
        .map((a) => a.id)
        .sort(),
    );
    expect(Math.max(...h.nomad.restarts.map((r) => r.unhealthy))).toBe(1);
  });

  it("leaves allocations placed during the rollout alone", async () => {
    h = await started(new Harness());
    h.coordinator([serviceConfig("web")]);
    await h.finished("web", "v1");
    await h.put(KEY, "v2");
    await h.clock.until(() => h.nomad.restarts.length === 1);
    const placed = h.nomad.scale("web", 5);
    await h.finished("web", "v2");
    expect(h.nomad.restarts).toHaveLength(3);
    for (const id of placed) expect(h.nomad.restarts.map((r) => r.allocId)).not.toContain(id);
    expect(h.nomad.served("web")).toEqual(["v2", "v2", "v2", "v2", "v2"]);
  });

  it("waits for an allocation still starting on the old value and moves it too", async () => {
    h = await started(new Harness());
    h.coordinator([serviceConfig("web")]);
    await h.finished("web", "v1");
    // One allocation is still starting (its template already rendered v1) when v2 is written.
    const starting = h.nomad.live("web")[0]!;
    starting.clientStatus = "pending";
    starting.state = "pending";
    await h.put(KEY, "v2");
    await h.clock.sleep(5_000);
    expect(h.nomad.restarts).toEqual([]);
    starting.clientStatus = "running";
    starting.state = "running";
    const record = await h.finished("web", "v2");
    expect(record.status).toBe("succeeded");
    expect(h.nomad.restarts.map((r) => r.allocId)).toContain(starting.id);
    expect(h.nomad.served("web")).toEqual(["v2", "v2", "v2"]);
  });

  it("drops allocations that go away during the rollout", async () => {
    h = await started(new Harness());
    h.coordinator([serviceConfig("web")]);
    await h.finished("web", "v1");
    await h.put(KEY, "v2");
    await h.clock.until(() => h.nomad.restarts.length === 1);
    h.nomad.scale("web", 2);
    const record = await h.finished("web", "v2");
    expect(record.status).toBe("succeeded");
    expect(record.allocs).toHaveLength(2);
    expect(h.nomad.restarts).toHaveLength(2);
    expect(h.events.some((e) => e.type === "alloc-step" && e.step === "dropped")).toBe(true);
  });

  it("waits out a Nomad outage mid-rollout without restarting anything twice", async () => {
    h = await started(new Harness());
    h.coordinator([serviceConfig("web")]);
    await h.finished("web", "v1");
    await h.put(KEY, "v2");
    await h.clock.until(() => h.nomad.restarts.length === 1);
    h.nomad.unreachable = true;
    await h.clock.sleep(120_000);
    h.nomad.unreachable = false;
    const record = await h.finished("web", "v2");
    expect(record.status).toBe("succeeded");
    expect(h.nomad.restarts).toHaveLength(3);
    expect(new Set(h.nomad.restarts.map((r) => r.allocId)).size).toBe(3);
  });

  it("uses Nomad-native checks and task state when the job has no Consul checks", async () => {
    for (const checks of ["nomad", "none"] as const) {
      h = new Harness();
      await h.put(KEY, "v1");
      h.nomad.addJob({ id: "web", service: "web", count: 2, checks, meta: { tagroll_service: "web" } });
      h.coordinator([serviceConfig("web")]);
      await h.finished("web", "v1");
      await h.put(KEY, checks === "nomad" ? "v2-broken" : "v2");
      const record = await h.finished("web", checks === "nomad" ? "v2-broken" : "v2");
      // Nomad checks see the broken value; task state alone cannot, so that rollout succeeds.
      expect(record.status).toBe(checks === "nomad" ? "reverted" : "succeeded");
      await h.stopAll();
    }
  });

  it("a restart request rolls every allocation through a health-gated restart on the same value", async () => {
    h = await started(new Harness());
    h.coordinator([serviceConfig("web")]);
    await h.finished("web", "v1");
    await h.put(requestKey("web"), JSON.stringify({ id: "r1", kind: "restart", requestedAt: h.clock.now() }));
    await h.clock.until(() => h.record("web")?.kind === "restart" && h.record("web")?.status === "succeeded");
    expect(h.restartsFor("v1")).toHaveLength(3);
    expect(h.peek(requestKey("web"))).toBeUndefined();
    await h.clock.sleep(60_000);
    expect(h.nomad.restarts).toHaveLength(3);
  });

  it("without render_templates, waits for the new value to render before restarting", async () => {
    h = new Harness();
    await h.put(KEY, "v1");
    h.nomad.addJob({
      id: "web",
      service: "web",
      count: 2,
      renderTemplates: false,
      meta: { tagroll_service: "web" },
    });
    h.coordinator([serviceConfig("web")]);
    await h.finished("web", "v1");
    h.nomad.renderFrozen = true;
    await h.put(KEY, "v2");
    await h.clock.sleep(5_000);
    expect(h.nomad.restarts).toEqual([]);
    const renderedAt = h.clock.now();
    h.nomad.renderFrozen = false;
    const record = await h.finished("web", "v2");
    expect(record.status).toBe("succeeded");
    expect(h.nomad.restarts.every((r) => r.at >= renderedAt)).toBe(true);
    expect(h.nomad.served("web")).toEqual(["v2", "v2"]);
  });

  it("a value that never renders fails before any restart", async () => {
    h = new Harness();
    await h.put(KEY, "v1");
    h.nomad.addJob({
      id: "web",
      service: "web",
      count: 2,
      renderTemplates: false,
      meta: { tagroll_service: "web" },
    });
    h.coordinator([serviceConfig("web", { renderTimeoutMs: 10_000 })]);
    await h.finished("web", "v1");
    h.nomad.renderFrozen = true;
    await h.put(KEY, "v2");
    const record = await h.finished("web", "v2");
    expect(record.status).toBe("reverted");
    expect(record.error).toMatch(/not rendered/);
    expect(h.nomad.restarts).toEqual([]);
    expect(h.peek(KEY)).toBe("v1");
  });

  it("an allocation whose service cannot be drained is restarted undrained, not failed", async () => {
    h = await started(new Harness());
    h.nomad.maintenanceError = new NotFoundError("no service on this agent");
    h.coordinator([serviceConfig("web")]);
    await h.finished("web", "v1");
    await h.put(KEY, "v2");
    const record = await h.finished("web", "v2");
    expect(record.status).toBe("succeeded");
    expect(h.nomad.restarts.map((r) => r.drainedSince)).toEqual([undefined, undefined, undefined]);
  });
});
