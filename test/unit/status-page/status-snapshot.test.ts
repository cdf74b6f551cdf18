import { describe, expect, it } from "vitest";
import type { StatusReport } from "../../../src/operations/index.js";
import type { AllocProgress, RolloutRecord } from "../../../src/coordinator/index.js";
import type { AllocationStatus } from "../../../src/operations/index.js";
import type { HistoryEntry } from "../../../src/state/history-store.js";
import { runningValue } from "../../../src/status-page/running-value.js";
import { buildSnapshot, snapshotter } from "../../../src/status-page/status-snapshot.js";
import { fixedClock } from "../tokens/token-fixtures.js";
import { allocEntry, rolloutRecord } from "../coordinator/fakes/records.js";

const alloc = (allocId: string, rendered?: string): AllocationStatus => ({
  allocId,
  name: `web.app[${allocId}]`,
  jobId: "web",
  group: "app",
  node: "n1",
  clientStatus: "running",
  ...(rendered !== undefined && { rendered }),
});
const progress = (allocId: string, state: AllocProgress["state"], restartedFor?: string): AllocProgress =>
  allocEntry({
    allocId,
    name: `web.app[${allocId}]`,
    state,
    ...(restartedFor !== undefined && { restartedFor }),
  });
const record = (allocs: AllocProgress[], extra: Partial<RolloutRecord> = {}): RolloutRecord =>
  rolloutRecord({ allocs, ...extra });

describe("runningValue", () => {
  it("is the rendered value when no rollout lists the allocation", () => {
    expect(runningValue(alloc("a", "v2"), undefined)).toBe("v2");
    expect(runningValue(alloc("a", "v2"), record([progress("b", "healthy", "v2")]))).toBe("v2");
    expect(runningValue(alloc("a"), undefined)).toBeUndefined();
  });

  it("is the old value for an allocation still waiting, although it already renders the new one", () => {
    const r = record([progress("a", "pending"), progress("b", "rendering")]);
    expect(runningValue(alloc("a", "v2"), r)).toBe("v1");
    expect(runningValue(alloc("b", "v2"), r)).toBe("v1");
  });

  it("is what the allocation was restarted for once it was restarted", () => {
    const r = record([
      progress("a", "restarting", "v2"),
      progress("b", "health", "v2"),
      progress("c", "healthy", "v2"),
    ]);
    for (const id of ["a", "b", "c"]) expect(runningValue(alloc(id, "v2"), r)).toBe("v2");
    // Superseded: moved to v2, now waiting for v3.
    const superseded = record([progress("a", "pending", "v2")], { value: "v3", superseded: ["v2"] });
    expect(runningValue(alloc("a", "v3"), superseded)).toBe("v2");
  });
});

describe("buildSnapshot", () => {
  const entries: HistoryEntry[] = Array.from({ length: 15 }, (_, i) => ({
    id: `h${i}`,
    at: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
    kind: "push",
    tag: `v${i}`,
  }));
  const report: StatusReport = {
    leader: { instance: "host-1" },
    services: [
      {
        service: "web",
        key: "configs/web/IMAGE_TAG",
        desired: "v2",
        rollout: record([progress("a", "healthy", "v2"), progress("b", "pending")]),
        allocations: [alloc("a", "v2"), alloc("b", "v2"), alloc("c")],
      },
      { service: "db", key: "configs/db/IMAGE_TAG", allocations: [], error: "nomad unreachable" },
    ],
  };
  const history = { list: async (service: string) => (service === "web" ? entries : []) };

  it("joins status with running values and the most recent history, newest first", async () => {
    let calls = 0;
    const operations = { status: async () => (calls++, report) };
    const clock = fixedClock(42);
    const snap = await buildSnapshot({ operations, history, clock, recentHistory: 3 });
    expect(snap.generatedAt).toBe(42);
    expect(snap.leader).toEqual({ instance: "host-1" });
    const [web, db] = snap.services;
    expect(web?.allocations.map((a) => [a.allocId, a.running])).toEqual([
      ["a", "v2"],
      ["b", "v1"],
      ["c", undefined],
    ]);
    expect(web?.allocations[2]).not.toHaveProperty("running");
    expect(web?.history.map((e) => e.id)).toEqual(["h14", "h13", "h12"]);
    expect(web?.rollout?.id).toBe("r1");
    expect(db).toMatchObject({ service: "db", error: "nomad unreachable", allocations: [], history: [] });
    expect(calls).toBe(1);
  });

  it("shares one build between concurrent callers, and builds again afterwards", async () => {
    let calls = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const operations = {
      status: async () => {
        calls++;
        await gate;
        return report;
      },
    };
    const next = snapshotter({ operations, history, clock: fixedClock() });
    const both = Promise.all([next(), next()]);
    release();
    const [a, b] = await both;
    expect(a).toBe(b);
    expect(calls).toBe(1);
    await next();
    expect(calls).toBe(2);
  });
});
