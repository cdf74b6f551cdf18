import { describe, expect, it } from "vitest";
import { ConflictError, NotFoundError } from "../../../src/core/errors.js";
import { ApprovalActions } from "../../../src/gates/approval-actions.js";
import { GateStore } from "../../../src/gates/gate-store.js";
import { emptyGate } from "../../../src/gates/gate-record.js";
import { HistoryStore } from "../../../src/state/history-store.js";
import { gateKey } from "../../../src/state/kv-layout.js";
import { FakeKvStore } from "../../helpers/fake-kv-store.js";
import { ManualClock } from "../state/manual-clock.js";
import { service } from "../cli/check/check-fixtures.js";

async function setup(required = 2) {
  const kv = new FakeKvStore();
  const clock = new ManualClock();
  const history = new HistoryStore(kv, { clock });
  const actions = new ApprovalActions({ services: [service("web")], kv, history, clock });
  const waiting = { value: "v2", kind: "pending-approval" as const, since: 0, approvals: [], required };
  await kv.set(gateKey("web"), JSON.stringify({ ...emptyGate("web"), waiting }));
  return { kv, clock, history, actions, store: new GateStore(kv, clock) };
}

describe("ApprovalActions", () => {
  it("records distinct approvers, refuses the same one twice, and says when enough approved", async () => {
    const { actions, store, history } = await setup(2);
    expect(await actions.approve("web", "alice")).toMatchObject({
      value: "v2",
      required: 2,
      approved: false,
    });
    await expect(actions.approve("web", "alice")).rejects.toThrow(
      /alice already approved v2 on web \(1\/2\)/,
    );
    const second = await actions.approve("web", "bob", "v2");
    expect(second.approved).toBe(true);
    expect(second.approvals.map((a) => a.by)).toEqual(["alice", "bob"]);
    expect((await store.load("web")).waiting?.approvals.map((a) => a.by)).toEqual(["alice", "bob"]);
    expect((await history.list("web")).map((e) => [e.kind, e.source, e.message])).toEqual([
      ["approved", "alice", "approved by alice (1/2)"],
      ["approved", "bob", "approved by bob (2/2)"],
    ]);
  });

  it("two approvers at the same moment both count (compare-and-set)", async () => {
    const { actions, store } = await setup(3);
    await Promise.all(["a", "b", "c"].map((by) => actions.approve("web", by)));
    expect((await store.load("web")).waiting?.approvals.map((a) => a.by).sort()).toEqual(["a", "b", "c"]);
  });

  it("409 for another value or nothing waiting, 404 for an unknown service; nothing written", async () => {
    const { actions, kv } = await setup();
    const before = (await kv.get(gateKey("web")))?.value;
    const mismatch = actions.approve("web", "alice", "v3");
    await expect(mismatch).rejects.toBeInstanceOf(ConflictError);
    await expect(mismatch).rejects.toThrow("v3 is not waiting on web; the waiting value is v2");
    await expect(actions.reject("web", "alice", "v3")).rejects.toThrow(/the waiting value is v2/);
    await expect(actions.approve("db", "alice")).rejects.toBeInstanceOf(NotFoundError);
    expect((await kv.get(gateKey("web")))?.value).toBe(before);
    await actions.reject("web", "alice");
    await expect(actions.approve("web", "bob")).rejects.toThrow("nothing is waiting for approval on web");
  });

  it("reject drops the waiting value and keeps who and why", async () => {
    const { actions, store, history } = await setup();
    expect(await actions.reject("web", "carol", undefined, "breaks checkout")).toEqual({
      service: "web",
      value: "v2",
      rejectedBy: "carol",
      reason: "breaks checkout",
    });
    const gate = await store.load("web");
    expect(gate.waiting).toBeUndefined();
    expect(gate.dropped).toMatchObject({ value: "v2", why: "rejected" });
    expect((await history.list("web")).at(-1)).toMatchObject({
      kind: "rejected",
      tag: "v2",
      message: "rejected by carol: breaks checkout",
    });
  });
});
