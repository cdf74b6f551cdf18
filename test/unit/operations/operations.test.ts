import { afterEach, describe, expect, it } from "vitest";
import { NotFoundError, ValidationError } from "../../../src/core/errors.js";
import { Operations, previousValue } from "../../../src/operations/operations.js";
import type { RolloutEvent } from "../../../src/coordinator/model/rollout-events.js";
import { HistoryStore, type HistoryEntry } from "../../../src/state/history-store.js";
import { Harness, serviceConfig, silentLogger, tagrollConfig } from "../coordinator/fakes/harness.js";

const KEY = "configs/web/IMAGE_TAG";

async function setup() {
  const h = new Harness();
  await h.put(KEY, "v1");
  h.nomad.addJob({ id: "web", service: "web", count: 3, meta: { tagroll_service: "web" } });
  const services = [serviceConfig("web")];
  const ops = new Operations({
    config: tagrollConfig(services),
    kv: h.kv,
    nomad: h.nomad,
    logger: silentLogger,
    clock: h.clock,
  });
  const leader = h.coordinator(services);
  await h.finished("web", "v1");
  return { h, ops, leader };
}

async function collect(events: AsyncGenerator<RolloutEvent>): Promise<RolloutEvent[]> {
  const all: RolloutEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

describe("operations", () => {
  let h: Harness;
  afterEach(async () => {
    await h.stopAll();
  });

  it("deploy writes the value, records history, and --wait follows the rollout allocation by allocation", async () => {
    const s = await setup();
    h = s.h;
    const result = await s.ops.deploy("web", "v2");
    expect(result).toMatchObject({ service: "web", key: KEY, value: "v2", previous: "v1", changed: true });
    const events = await collect(
      s.ops.follow("web", result.rolloutBefore ? { after: result.rolloutBefore } : {}),
    );
    expect(events[0]).toMatchObject({ type: "rollout-started", value: "v2", previousValue: "v1" });
    expect(events.at(-1)).toMatchObject({ type: "rollout-finished", status: "succeeded", value: "v2" });
    const healthy = events.filter((e) => e.type === "alloc-step" && e.step === "healthy");
    expect(new Set(healthy.map((e) => (e.type === "alloc-step" ? e.allocId : "")))).toHaveProperty("size", 3);
    expect(await new HistoryStore(h.kv).list("web")).toContainEqual(
      expect.objectContaining({ kind: "operator", tag: "v2", previous: "v1" }),
    );

    const again = await s.ops.deploy("web", "v2");
    expect(again.changed).toBe(false);
  });

  it("refuses a malformed tag and an unknown service, writing nothing", async () => {
    const s = await setup();
    h = s.h;
    await expect(s.ops.deploy("web", "v2\nEVIL=1")).rejects.toBeInstanceOf(ValidationError);
    await expect(s.ops.deploy("db", "v2")).rejects.toBeInstanceOf(NotFoundError);
    expect(h.peek(KEY)).toBe("v1");
  });

  it("restart asks the leader for a rolling restart; rollback deploys the previous value", async () => {
    const s = await setup();
    h = s.h;
    const before = h.record("web")?.id;
    const { requestId } = await s.ops.restart("web");
    const events = await collect(s.ops.follow("web", before ? { after: before } : {}));
    expect(events.at(-1)).toMatchObject({ type: "rollout-finished", status: "succeeded", value: "v1" });
    expect(h.record("web")).toMatchObject({ kind: "restart", requestId });
    expect(h.restartsFor("v1")).toHaveLength(3);

    await s.ops.deploy("web", "v2");
    await h.finished("web", "v2");
    const rollback = await s.ops.rollback("web");
    expect(rollback).toMatchObject({ value: "v1", previous: "v2", changed: true });
    await h.finished("web", "v1");
    expect(h.nomad.served("web")).toEqual(["v1", "v1", "v1"]);
  });

  it("status reports desired value, leader, rollout and what each allocation renders", async () => {
    const s = await setup();
    h = s.h;
    await s.ops.deploy("web", "v2");
    await h.finished("web", "v2");
    const report = await s.ops.status();
    expect(report.leader?.instance).toBeDefined();
    const [web] = report.services;
    expect(web).toMatchObject({
      service: "web",
      desired: "v2",
      rollout: { status: "succeeded", value: "v2" },
    });
    expect(web?.allocations.map((a) => [a.rendered, a.step, a.restartedFor])).toEqual([
      ["v2", "healthy", "v2"],
      ["v2", "healthy", "v2"],
      ["v2", "healthy", "v2"],
    ]);
    await expect(s.ops.status("nope")).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("previousValue", () => {
  const entry = (e: Partial<HistoryEntry>): HistoryEntry => ({ id: "x", at: "", kind: "rollout", ...e });

  it("is the newest value the service ran other than the current one", () => {
    const history = [
      entry({ kind: "rollout", tag: "v2", previous: "v1", outcome: "succeeded" }),
      entry({ kind: "rollout", tag: "v3-broken", previous: "v2", outcome: "reverting" }),
      entry({ kind: "revert", tag: "v3-broken", previous: "v2", outcome: "reverted" }),
      entry({ kind: "operator", tag: "v4" }),
      entry({ kind: "rollout", tag: "v4", previous: "v2", outcome: "succeeded" }),
    ];
    expect(previousValue(history, "v4")).toBe("v2");
    expect(previousValue(history.slice(0, 1), "v2")).toBe("v1");
    expect(previousValue([], "v1")).toBeUndefined();
  });
});
