import { describe, expect, it } from "vitest";
import type { WaitingView } from "../../../src/gates/gate-record.js";
import { rolloutNotifications } from "../../../src/notifications/rollout-notifications.js";

const base = { service: "web", rolloutId: "r1", at: 1000 };
const started = {
  type: "rollout-started",
  ...base,
  kind: "deploy",
  value: "v2",
  previousValue: "v1",
  resumed: false,
} as const;

describe("rolloutNotifications", () => {
  it("announces a start and a success, with the start's previous value", () => {
    const map = rolloutNotifications();
    expect(map(started)).toEqual({
      kind: "rollout-started",
      ...base,
      rolloutKind: "deploy",
      value: "v2",
      previousValue: "v1",
    });
    expect(
      map({
        type: "alloc-step",
        ...base,
        allocId: "a",
        allocName: "n",
        jobId: "j",
        group: "g",
        step: "health",
        value: "v2",
      }),
    ).toBeUndefined();
    expect(
      map({ type: "rollout-finished", ...base, status: "succeeded", value: "v2", durationMs: 5 }),
    ).toEqual({
      kind: "rollout-succeeded",
      ...base,
      rolloutKind: "deploy",
      value: "v2",
      previousValue: "v1",
      durationMs: 5,
    });
  });

  it("names the failed value and the one written back on a revert, and follows a supersede", () => {
    const map = rolloutNotifications();
    map(started);
    map({ type: "rollout-superseded", ...base, from: "v2", to: "v3" });
    expect(
      map({
        type: "rollout-finished",
        ...base,
        status: "reverted",
        value: "v1",
        durationMs: 9,
        error: "unhealthy",
      }),
    ).toMatchObject({
      kind: "rollout-reverted",
      value: "v3",
      revertedTo: "v1",
      error: "unhealthy",
    });
  });

  it("does not announce a resumed rollout's start again, nor a baseline", () => {
    const map = rolloutNotifications();
    expect(
      map({ type: "rollout-started", ...base, kind: "deploy", value: "v2", resumed: true }),
    ).toBeUndefined();
    expect(
      map({ type: "rollout-finished", ...base, status: "failed", value: "v2", durationMs: 1 }),
    ).toMatchObject({ kind: "rollout-failed", value: "v2" });
    expect(
      map({
        type: "rollout-started",
        ...base,
        rolloutId: "r2",
        kind: "adopted",
        value: "v2",
        resumed: false,
      }),
    ).toBeUndefined();
  });
  it("announces a value held for approval or scheduled, once, with what it waits for", () => {
    const map = rolloutNotifications();
    const waiting: WaitingView = {
      kind: "pending-approval",
      value: "v3",
      since: "2026-11-25T10:00:00.000Z",
      approvals: [{ by: "alice", at: "2026-11-25T10:01:00.000Z" }],
      required: 2,
      expiresAt: "2026-11-26T10:00:00.000Z",
    };
    const gate = { type: "gate", service: "web", value: "v3", message: "m", at: 1000 } as const;
    expect(map({ ...gate, change: "pending-approval", waiting })).toEqual({
      kind: "approval-needed",
      service: "web",
      value: "v3",
      at: 1000,
      required: 2,
      approvals: 1,
      expiresAt: Date.parse("2026-11-26T10:00:00.000Z"),
    });
    expect(map({ ...gate, change: "pending-approval", waiting, resumed: true })).toBeUndefined();
    const scheduled: WaitingView = { ...waiting, kind: "scheduled", opensAt: "2026-11-25T17:00:00.000Z" };
    expect(map({ ...gate, change: "scheduled", waiting: scheduled })).toEqual({
      kind: "value-scheduled",
      service: "web",
      value: "v3",
      at: 1000,
      opensAt: Date.parse("2026-11-25T17:00:00.000Z"),
    });
    expect(map({ ...gate, change: "released", waiting: null })).toBeUndefined();
  });
});
