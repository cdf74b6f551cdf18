import { afterEach, describe, expect, it } from "vitest";
import type { ServiceConfig } from "../../../src/config/types.js";
import { ApprovalActions } from "../../../src/gates/approval-actions.js";
import { parseGateRecord, type GateRecord } from "../../../src/gates/gate-record.js";
import { HistoryStore } from "../../../src/state/history-store.js";
import { gateKey, historyKey } from "../../../src/state/kv-layout.js";
import { SECOND_NS } from "./fakes/fake-job.js";
import { Harness, serviceConfig } from "./fakes/harness.js";

/**
 * The leader's gate in front of the runner (src/coordinator/gates/), on the fake agents in
 * virtual time: what the runner and a running rollout may see, leader changes, expiry, reverts.
 */
const KEY = "configs/web/IMAGE_TAG";
const HOUR = 3_600_000;

function gated(approvals: ServiceConfig["approvals"] = { required: 1 }): ServiceConfig {
  return { ...serviceConfig("web"), approvals };
}

async function started(h: Harness, service: ServiceConfig) {
  await h.put(KEY, "v1");
  h.nomad.addJob({
    id: "web",
    service: "web",
    count: 3,
    meta: { tagroll_service: "web" },
    update: { MaxParallel: 1, MinHealthyTime: 2 * SECOND_NS, HealthyDeadline: 60 * SECOND_NS },
  });
  const coordinator = h.coordinator([service]);
  await h.finished("web", "v1");
  return coordinator;
}

const gate = (h: Harness): GateRecord => parseGateRecord("web", h.peek(gateKey("web")));
const approvals = (h: Harness) =>
  new ApprovalActions({
    services: [gated()],
    kv: h.kv,
    history: new HistoryStore(h.kv, { clock: h.clock }),
    clock: h.clock,
  });
const history = (h: Harness) =>
  JSON.parse(h.peek(historyKey("web")) ?? "[]") as Array<{ kind: string; tag?: string }>;
const waitsFor = (h: Harness, value: string) => h.clock.until(() => gate(h).waiting?.value === value);

describe("gates in front of the runner (fake agents, virtual time)", () => {
  let h: Harness;
  afterEach(async () => {
    await h.stopAll();
  });

  it("a value arriving during a rollout waits; it never supersedes without approval", async () => {
    h = new Harness();
    await started(h, gated());
    await h.put(KEY, "v2");
    await waitsFor(h, "v2");
    await h.clock.sleep(60_000);
    expect(h.nomad.restarts).toEqual([]);
    await approvals(h).approve("web", "alice");
    await h.clock.until(() => h.record("web")?.value === "v2" && h.record("web")?.status === "running");
    await h.put(KEY, "v3");
    const v2 = await h.finished("web", "v2");
    expect(v2.status).toBe("succeeded");
    expect(v2.superseded).toEqual([]);
    expect(gate(h).waiting).toMatchObject({ value: "v3", kind: "pending-approval" });
    expect(h.restartsFor("v3")).toEqual([]);

    await approvals(h).approve("web", "alice", "v3");
    await h.finished("web", "v3");
    expect(h.restartsFor("v2")).toHaveLength(3);
    expect(h.restartsFor("v3")).toHaveLength(3);
  });

  it("a new leader finds the waiting value where the last one left it; one approval, one rollout", async () => {
    h = new Harness();
    const first = await started(h, gated({ required: 2 }));
    await h.put(KEY, "v2");
    await waitsFor(h, "v2");
    await approvals(h).approve("web", "alice");
    await first.stop();
    h.coordinator([gated({ required: 2 })], { instanceId: "second" });
    await h.clock.sleep(30_000);
    expect(h.nomad.restarts).toEqual([]);
    expect(gate(h).waiting?.approvals.map((a) => a.by)).toEqual(["alice"]);
    await approvals(h).approve("web", "bob");
    await h.finished("web", "v2");
    await h.clock.sleep(120_000);
    expect(h.restartsFor("v2")).toHaveLength(3);
    expect(gate(h).released).toMatchObject({ value: "v2", how: "approved" });
  });

  it("an unapproved value expires: dropped, recorded, and the key goes back to the running value", async () => {
    h = new Harness();
    await started(h, gated({ required: 1, expireMs: HOUR }));
    await h.put(KEY, "v2");
    await waitsFor(h, "v2");
    // Parked while it waits: the key holds the running value again at once.
    await h.clock.until(() => h.peek(KEY) === "v1");
    await h.clock.sleep(HOUR - 120_000);
    expect(gate(h).waiting?.value).toBe("v2");
    await h.clock.sleep(180_000);
    expect(gate(h).waiting).toBeUndefined();
    expect(h.peek(KEY)).toBe("v1");
    expect(history(h).map((e) => [e.kind, e.tag])).toEqual(
      expect.arrayContaining([
        ["pending-approval", "v2"],
        ["expired", "v2"],
      ]),
    );
    expect(h.nomad.restarts).toEqual([]);
    await h.clock.sleep(60_000);
    expect(h.record("web")?.value).toBe("v1");
  });

  it("a failing rollout reverts while a newer value waits parked; the waiting value waits on", async () => {
    h = new Harness();
    await started(h, gated());
    await h.put(KEY, "v2-broken");
    await waitsFor(h, "v2-broken");
    await approvals(h).approve("web", "alice");
    await h.clock.until(() => h.record("web")?.value === "v2-broken");
    await h.put(KEY, "v3");
    await waitsFor(h, "v3");
    const record = await h.finished("web", "v2-broken");
    expect(record.status).toBe("reverted");
    expect(h.peek(KEY)).toBe("v1");
    // The revert was the rollout's own write: nothing asked to approve v1.
    expect(history(h).map((e) => [e.kind, e.tag])).not.toContainEqual(["pending-approval", "v1"]);
    expect(gate(h).waiting).toMatchObject({ value: "v3", kind: "pending-approval" });
    expect(h.restartsFor("v3")).toEqual([]);
    await approvals(h).approve("web", "bob", "v3");
    await h.finished("web", "v3");
    expect(h.nomad.served("web")).toEqual(["v3", "v3", "v3"]);
  });
});
