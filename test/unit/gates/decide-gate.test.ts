import { describe, expect, it } from "vitest";
import { decideGate, type GateInput, type GatePolicy } from "../../../src/gates/decide-gate.js";
import { parseWindow } from "../../../src/gates/deploy-window.js";
import { emptyGate, type GateRecord, type WaitingValue } from "../../../src/gates/gate-record.js";

const NOW = Date.parse("2026-11-25T10:00:00Z"); // a Wednesday
const HOUR = 3_600_000;
const approvals = (required: number): GatePolicy => ({ required, expireMs: 24 * HOUR, windows: [] });

function input(over: Partial<GateInput> = {}): GateInput {
  return {
    policy: approvals(1),
    gate: emptyGate("web"),
    latest: "v2",
    settled: "v1",
    adopting: false,
    now: NOW,
    ...over,
  };
}

function waiting(over: Partial<WaitingValue> = {}): GateRecord {
  const value: WaitingValue = {
    value: "v2",
    kind: "pending-approval",
    since: NOW - HOUR,
    approvals: [],
    required: 1,
    expiresAt: NOW + 23 * HOUR,
    ...over,
  };
  return { ...emptyGate("web"), waiting: value };
}

describe("decideGate: approvals", () => {
  it("a new value waits for approval, parked: the runner and the key keep the running value", () => {
    const d = decideGate(input());
    expect(d.admit).toBe("v1");
    expect(d.writeBack).toEqual({ from: "v2", to: "v1" });
    expect(d.next?.waiting).toMatchObject({ value: "v2", kind: "pending-approval", required: 1 });
    expect(d.next?.waiting?.expiresAt).toBe(NOW + 24 * HOUR);
    expect(d.notes.map((n) => n.kind)).toEqual(["pending-approval"]);
    expect(d.wakeAt).toBe(NOW + 24 * HOUR);
  });

  it("counts distinct approvers only, and releases at the required number", () => {
    const twice = waiting({
      required: 2,
      approvals: [
        { by: "alice", at: NOW },
        { by: "alice", at: NOW },
      ],
    });
    const held = decideGate(input({ policy: approvals(2), gate: twice }));
    expect(held.admit).toBe("v1");
    expect(held.next).toBeUndefined(); // nothing changed, nothing written
    expect(held.notes).toEqual([]);

    const two = waiting({
      required: 2,
      approvals: [
        { by: "alice", at: NOW },
        { by: "bob", at: NOW },
      ],
    });
    const released = decideGate(input({ policy: approvals(2), gate: two }));
    expect(released.admit).toBe("v2");
    expect(released.next?.waiting).toBeUndefined();
    expect(released.next?.released).toEqual({ value: "v2", at: NOW, how: "approved" });
    expect(released.notes.map((n) => n.kind)).toEqual(["released"]);
  });

  it("a parked value, once approved, goes back into the key before the runner gets it", () => {
    const approved = waiting({ approvals: [{ by: "alice", at: NOW }] });
    const d = decideGate(input({ gate: approved, latest: "v1" }));
    expect(d.admit).toBe("v1");
    expect(d.writeForward).toEqual({ from: "v1", to: "v2" });
    expect(d.next?.released).toMatchObject({ value: "v2" });
    // While it waits, a parked value stays parked: no write, nothing to persist.
    expect(decideGate(input({ gate: waiting(), latest: "v1" }))).toEqual({
      admit: "v1",
      notes: [],
      wakeAt: NOW + 23 * HOUR,
    });
  });

  it("once released, the value passes on every later look (one release, one rollout)", () => {
    const gate: GateRecord = { ...emptyGate("web"), released: { value: "v2", at: NOW, how: "approved" } };
    const d = decideGate(input({ gate }));
    expect(d).toEqual({ admit: "v2", notes: [] });
    // The runner has started it: the record's value is v2 now, nothing waits.
    expect(decideGate(input({ gate, settled: "v2" })).admit).toBe("v2");
  });

  it("a newer value replaces the waiting one and needs its own approvals", () => {
    const gate = waiting({ approvals: [{ by: "alice", at: NOW }], required: 2 });
    const d = decideGate(input({ policy: approvals(2), gate, latest: "v3" }));
    expect(d.admit).toBe("v1");
    expect(d.next?.waiting).toMatchObject({ value: "v3", approvals: [], since: NOW });
    expect(d.notes.map((n) => [n.kind, n.value])).toEqual([
      ["replaced", "v2"],
      ["pending-approval", "v3"],
    ]);
    expect(d.writeBack).toEqual({ from: "v3", to: "v1" });
  });

  it("an expired value is dropped and the running value goes back into the key", () => {
    const d = decideGate(input({ gate: waiting({ expiresAt: NOW - 1 }) }));
    expect(d.admit).toBe("v1");
    expect(d.next?.waiting).toBeUndefined();
    expect(d.next?.dropped).toEqual({ value: "v2", at: NOW, why: "expired" });
    expect(d.writeBack).toEqual({ from: "v2", to: "v1" });
    expect(d.notes.map((n) => n.kind)).toEqual(["expired"]);
    // Parked, it expires the same way, and the key already holds the running value.
    const parked = decideGate(input({ gate: waiting({ expiresAt: NOW - 1 }), latest: "v1" }));
    expect(parked.next?.waiting).toBeUndefined();
    expect(parked.writeBack).toBeUndefined();
    expect(parked.notes.map((n) => n.kind)).toEqual(["expired"]);
  });

  it("a rejected value still in the key is held and written back, not asked for again", () => {
    const gate: GateRecord = { ...emptyGate("web"), dropped: { value: "v2", at: NOW, why: "rejected" } };
    const d = decideGate(input({ gate }));
    expect(d).toMatchObject({ admit: "v1", writeBack: { from: "v2", to: "v1" }, notes: [] });
    // Once the key holds the running value again, the rejection is forgotten.
    const back = decideGate(input({ gate, latest: "v1" }));
    expect(back.admit).toBe("v1");
    expect(back.next?.dropped).toBeUndefined();
  });

  it("the running value, and the first value adopted, always pass", () => {
    expect(decideGate(input({ latest: "v1" }))).toEqual({ admit: "v1", notes: [] });
    expect(decideGate(input({ settled: undefined, adopting: true })).admit).toBe("v2");
    // No record and not first sight: a first deploy waits like any other.
    expect(decideGate(input({ settled: undefined })).admit).toBeUndefined();
  });

  it("a promotion asks for at least its approvals, even where the service asks for none", () => {
    const gate: GateRecord = {
      ...emptyGate("prod"),
      proposal: { value: "v2", from: "staging", approvals: 1, at: NOW },
    };
    const d = decideGate(input({ policy: { required: 0, windows: [] }, gate }));
    expect(d.admit).toBe("v1");
    expect(d.next?.waiting).toMatchObject({ value: "v2", required: 1, from: "staging" });
    // Without a proposal and without approvals or windows, values pass straight through.
    expect(decideGate(input({ policy: { required: 0, windows: [] } })).admit).toBe("v2");
  });
});

describe("decideGate: deploy windows", () => {
  const office: GatePolicy = { required: 0, windows: [parseWindow("Mon-Fri 09:00-17:00 UTC")] };
  const saturday = Date.parse("2026-11-28T10:00:00Z");
  const monday = Date.parse("2026-11-30T09:00:00Z");

  it("outside the windows a new value is scheduled for the next opening", () => {
    const d = decideGate(input({ policy: office, now: saturday }));
    expect(d.admit).toBe("v1");
    expect(d.next?.waiting).toMatchObject({ kind: "scheduled", opensAt: monday });
    expect(d.notes.map((n) => n.kind)).toEqual(["scheduled"]);
    expect(d.wakeAt).toBe(monday);
  });

  it("starts when the window opens", () => {
    const scheduled = decideGate(input({ policy: office, now: saturday })).next!;
    const d = decideGate(input({ policy: office, gate: scheduled, now: monday, latest: "v1" }));
    expect(d.writeForward).toEqual({ from: "v1", to: "v2" });
    expect(d.next?.released).toMatchObject({ value: "v2", how: "window" });
    // Back in the key, released: the runner gets it.
    expect(decideGate(input({ policy: office, gate: d.next!, now: monday })).admit).toBe("v2");
  });

  it("inside a window a new value starts at once", () => {
    expect(decideGate(input({ policy: office, now: monday })).admit).toBe("v2");
  });

  it("approval comes first, then the window; approved values do not expire", () => {
    const both: GatePolicy = { ...office, required: 1, expireMs: HOUR };
    const approved = waiting({ approvals: [{ by: "alice", at: saturday }], expiresAt: saturday + HOUR });
    const d = decideGate(input({ policy: both, gate: approved, now: saturday }));
    expect(d.admit).toBe("v1");
    expect(d.next?.waiting).toMatchObject({ kind: "scheduled", opensAt: monday });
    expect(d.next?.waiting?.expiresAt).toBeUndefined();
  });

  it("deploy --now skips the window and counts as the admin's approval", () => {
    const both: GatePolicy = { ...office, required: 1 };
    const gate: GateRecord = { ...emptyGate("web"), override: { value: "v2", by: "root", at: saturday } };
    const d = decideGate(input({ policy: both, gate, now: saturday }));
    expect(d.admit).toBe("v2");
    expect(d.next?.released).toMatchObject({ value: "v2", how: "override" });
    expect(d.next?.override).toBeUndefined();
    // An override for another value changes nothing for this one.
    const other = { ...gate, override: { value: "v9", by: "root", at: saturday } };
    expect(decideGate(input({ policy: both, gate: other, now: saturday })).admit).toBe("v1");
  });
});
