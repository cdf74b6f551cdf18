import { afterEach, describe, expect, it } from "vitest";
import type { RolloutRecord } from "../../../src/coordinator/model/rollout-record.js";
import { rolloutKey } from "../../../src/state/kv-layout.js";
import { Harness, serviceConfig } from "./fakes/harness.js";

const KEY = "configs/web/IMAGE_TAG";

describe("reconcile sweep", () => {
  let h: Harness;
  afterEach(async () => {
    await h.stopAll();
  });

  it("reports drift, resumes a rollout nobody drives, expires deliveries — only on the leader", async () => {
    h = new Harness();
    await h.put(KEY, "v1");
    h.nomad.addJob({ id: "web", service: "web", count: 3, meta: { tagroll_service: "web" } });
    const expired: number[] = [];
    const deliveries = { expire: async (ms: number) => (expired.push(ms), 2) };
    let scheduled = "";
    const coordinator = h.coordinator([serviceConfig("web")], {
      deliveries,
      scheduler: (expr) => ((scheduled = expr), { stop: () => undefined }),
    });
    expect(scheduled).toBe("*/10 * * * * *");
    await h.finished("web", "v1");

    const [drifting] = h.nomad.live("web");
    h.nomad.fileOverride.set(drifting!.id, "IMAGE_TAG=v0\n");
    const first = await coordinator.reconcile();
    expect(first?.drift).toEqual([{ service: "web", allocId: drifting!.id, desired: "v1", rendered: "v0" }]);
    expect(first?.expiredDeliveries).toBe(2);
    expect(expired).toEqual([86_400_000]);
    expect(h.events).toContainEqual(expect.objectContaining({ type: "drift", allocId: drifting!.id }));
    h.nomad.fileOverride.clear();

    // A rollout left `running` behind the runner's back (e.g. written by an older leader).
    const stuck = {
      ...(h.record("web") as RolloutRecord),
      id: "stuck",
      kind: "restart",
      status: "running",
      allocs: [],
    };
    await h.put(rolloutKey("web"), JSON.stringify(stuck));
    const second = await coordinator.reconcile();
    expect(second?.resumed).toEqual(["web"]);
    await h.finished("web", "v1");
    expect(h.record("web")?.id).toBe("stuck");
    expect(h.nomad.restarts).toHaveLength(3);

    const follower = h.coordinator([serviceConfig("web")], { instanceId: "follower" });
    expect(await follower.reconcile()).toBeUndefined();
  });

  it("goes round the services reconcileBatch at a time, expiring deliveries once a round", async () => {
    h = new Harness();
    const names = Array.from({ length: 60 }, (_, i) => `svc${i}`);
    const expired: number[] = [];
    const coordinator = h.coordinator(
      names.map((n) => serviceConfig(n)),
      { deliveries: { expire: async (ms: number) => (expired.push(ms), 0) } },
    );
    await h.clock.until(() => coordinator.isLeader());
    const ticks: string[][] = [];
    for (let i = 0; i < 3; i++) ticks.push((await coordinator.reconcile())?.swept ?? []);
    // 25 + 25 + 10: each service looked at once in the round, the deliveries expired at its end.
    expect(ticks.map((t) => t.length)).toEqual([25, 25, 10]);
    expect(ticks.flat()).toEqual(names);
    expect(expired).toHaveLength(1);
    expect((await coordinator.reconcile())?.swept).toEqual(names.slice(0, 25));
    expect((await coordinator.reconcile({ all: true }))?.swept).toEqual([
      ...names.slice(25),
      ...names.slice(0, 25),
    ]);
    expect(expired).toHaveLength(2);
  });

  it("adopts in lock transactions and sweeps from memory: one job listing a tick, no per-service read", async () => {
    h = new Harness();
    const names = Array.from({ length: 60 }, (_, i) => `svc${i}`);
    for (const name of names) await h.put(`configs/${name}/IMAGE_TAG`, "v1");
    let listings = 0;
    const listJobs = h.nomad.listJobs.bind(h.nomad);
    h.nomad.listJobs = () => (listings++, listJobs());
    const coordinator = h.coordinator(names.map((n) => serviceConfig(n)));
    await h.clock.until(() => names.every((n) => h.record(n)?.kind === "adopted"));
    const adoptCalls = [...h.kv.calls];
    // First sight of 60 services: their records went out as `lock` ops in a few transactions.
    expect(adoptCalls.filter((c) => c.startsWith("txn lock")).length).toBeLessThanOrEqual(3);
    expect(adoptCalls.filter((c) => c.startsWith("acquire tagroll/rollouts/")).length).toBeLessThan(10);
    expect(adoptCalls.filter((c) => c.startsWith("get ")).length).toBe(0);

    h.kv.calls.length = 0;
    const first = await coordinator.reconcile();
    expect(first?.swept).toHaveLength(25);
    // The first tick of a round reads the records again, in one request; nothing per service.
    expect(h.kv.calls).toEqual(["list tagroll/rollouts/"]);
    expect(listings).toBe(1);
    h.kv.calls.length = 0;
    await coordinator.reconcile();
    expect(h.kv.calls).toEqual([]);
    expect(listings).toBe(2);
  });
});
