import { describe, expect, it } from "vitest";
import type { RolloutRecord, RolloutStatus } from "../../../src/coordinator/model/rollout-record.js";
import {
  nextRolloutStatus,
  type LastStep,
  type RolloutAction,
} from "../../../src/coordinator/engine/next-rollout-status.js";
import { allocEntry, rolloutRecord } from "./fakes/records.js";

/**
 * The rollout's decision, one observation at a time: every active status against every last step
 * the engine can report, with and without a newer desired value. No harness, no agents.
 */

const record = (status: RolloutStatus, extra: Partial<RolloutRecord> = {}): RolloutRecord =>
  rolloutRecord({ status, allocs: [allocEntry()], ...extra });

const RUNNING = record("running");
const UNPLANNED = record("running", { allocs: [] });
const REVERTING = record("reverting");
const FIRST_DEPLOY = record("running");
delete FIRST_DEPLOY.previousValue;
const REASON = "web.app[0]: unhealthy";

const STARTED: LastStep = { kind: "started" };
const DONE: LastStep = { kind: "pass", result: { kind: "done" } };
const SUPERSEDED: LastStep = { kind: "pass", result: { kind: "superseded" } };
const FAILED: LastStep = { kind: "pass", result: { kind: "failed", reason: REASON } };
const WRITTEN: LastStep = { kind: "revert-write", write: { written: true }, reason: REASON };
const NEWER: LastStep = { kind: "revert-write", write: { written: false, current: "v3" }, reason: REASON };
const GONE: LastStep = {
  kind: "revert-write",
  write: { written: false, current: undefined },
  reason: REASON,
};
const SAME: LastStep = { kind: "revert-write", write: { written: false, current: "v2" }, reason: REASON };

const PASS: RolloutAction = { kind: "pass" };
const TO_V3: RolloutAction = { kind: "pass", supersede: "v3", plan: "supersede" };
const FAIL: RolloutAction = { kind: "finish", status: "failed", error: REASON };
const REVERT_FAIL: RolloutAction = { kind: "finish", status: "failed", error: `revert failed: ${REASON}` };

type Row = [string, RolloutRecord, LastStep, string | undefined, RolloutAction];

describe("nextRolloutStatus", () => {
  const rows: Row[] = [
    ["running, started with a plan", RUNNING, STARTED, "v2", PASS],
    ["running, started without a plan", UNPLANNED, STARTED, "v2", { kind: "pass", plan: "fresh" }],
    ["running, started, key deleted", RUNNING, STARTED, undefined, PASS],
    ["running, started, newer value", UNPLANNED, STARTED, "v3", TO_V3],
    ["running, pass done", RUNNING, DONE, "v2", { kind: "finish", status: "succeeded" }],
    ["running, pass done, newer value", RUNNING, DONE, "v3", { kind: "finish", status: "succeeded" }],
    ["running, pass superseded, value back", RUNNING, SUPERSEDED, "v2", PASS],
    ["running, pass superseded", RUNNING, SUPERSEDED, "v3", TO_V3],
    ["running, pass failed", RUNNING, FAILED, "v2", { kind: "revert", reason: REASON }],
    ["running, pass failed, newer value", RUNNING, FAILED, "v3", { kind: "revert", reason: REASON }],
    ["running, pass failed, no previous value", FIRST_DEPLOY, FAILED, "v2", FAIL],
    ["running restart, pass failed", record("running", { kind: "restart" }), FAILED, "v2", FAIL],
    ["running, revert written", REVERTING, WRITTEN, "v1", { kind: "pass", plan: "revert" }],
    ["running, revert refused for a newer value", RUNNING, NEWER, "v2", PASS],
    ["running, revert refused, newer value seen", RUNNING, NEWER, "v3", TO_V3],
    ["running, revert refused, key gone", RUNNING, GONE, "v2", FAIL],
    ["running, revert refused, key holds the failing value", RUNNING, SAME, "v2", FAIL],
    ["reverting, started", REVERTING, STARTED, "v1", PASS],
    ["reverting, started, newer value", REVERTING, STARTED, "v3", TO_V3],
    ["reverting, pass done", REVERTING, DONE, "v1", { kind: "finish", status: "reverted" }],
    ["reverting, pass superseded, value back", REVERTING, SUPERSEDED, "v1", PASS],
    ["reverting, pass superseded", REVERTING, SUPERSEDED, "v3", TO_V3],
    ["reverting, pass failed", REVERTING, FAILED, "v1", REVERT_FAIL],
    ["reverting, revert refused", REVERTING, GONE, "v1", REVERT_FAIL],
    ["adopted, started, newer value", record("running", { kind: "adopted" }), STARTED, "v3", PASS],
  ];

  it.each(rows)("%s", (_name, r, last, latest, expected) => {
    expect(nextRolloutStatus(r, { latest, autoRevert: true, last })).toEqual(expected);
  });

  it("fails instead of reverting without autoRevert", () => {
    expect(nextRolloutStatus(RUNNING, { latest: "v2", autoRevert: false, last: FAILED })).toEqual(FAIL);
  });

  it.each(["succeeded", "failed", "reverted"] as const)("does nothing for a %s record", (status) => {
    for (const last of [STARTED, DONE, SUPERSEDED, FAILED, WRITTEN, NEWER, GONE])
      expect(nextRolloutStatus(record(status), { latest: "v3", autoRevert: true, last })).toEqual({
        kind: "none",
      });
  });
});
