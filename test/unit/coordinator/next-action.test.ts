import { describe, expect, it } from "vitest";
import { decideNext, type NextAction } from "../../../src/coordinator/runner/next-action.js";
import type { RestartRequest } from "../../../src/coordinator/model/restart-request.js";
import type { RolloutRecord, RolloutStatus } from "../../../src/coordinator/model/rollout-record.js";
import { rolloutRecord } from "./fakes/records.js";

/** What a service's runner does next: every record status against every value and request. */

function record(status: RolloutStatus, extra: Partial<RolloutRecord> = {}): RolloutRecord {
  return rolloutRecord({ status, ...extra });
}

const REQUEST: RestartRequest = { id: "q1", kind: "restart", requestedAt: 0 };

type Row = [
  string,
  RolloutRecord | undefined,
  string | undefined,
  boolean,
  RestartRequest | undefined,
  NextAction,
];

describe("decideNext", () => {
  const running = record("running");
  const reverting = record("reverting");
  const rows: Row[] = [
    ["running record → resume", running, "v3", false, REQUEST, { kind: "resume", record: running }],
    ["reverting record → resume", reverting, "v2", false, undefined, { kind: "resume", record: reverting }],
    ["no record, no value", undefined, undefined, false, REQUEST, { kind: "none" }],
    [
      "no record, value at start-up → adopt",
      undefined,
      "v1",
      true,
      undefined,
      { kind: "adopt", value: "v1" },
    ],
    ["no record, value changed → deploy", undefined, "v1", false, undefined, { kind: "deploy", value: "v1" }],
    ["succeeded, same value", record("succeeded"), "v2", false, undefined, { kind: "none" }],
    [
      "succeeded, new value → deploy",
      record("succeeded"),
      "v3",
      false,
      REQUEST,
      { kind: "deploy", value: "v3", previousValue: "v2" },
    ],
    [
      "reverted, its previous value (our revert write)",
      record("reverted"),
      "v1",
      false,
      undefined,
      { kind: "none" },
    ],
    [
      "reverted, the failing value again → deploy",
      record("reverted"),
      "v2",
      false,
      undefined,
      { kind: "deploy", value: "v2", previousValue: "v1" },
    ],
    [
      "failed, same value, new request → restart",
      record("failed"),
      "v2",
      false,
      REQUEST,
      { kind: "restart", value: "v2", requestId: "q1" },
    ],
    [
      "succeeded, request already served",
      record("succeeded", { requestId: "q1" }),
      "v2",
      false,
      REQUEST,
      { kind: "none" },
    ],
    [
      "succeeded, no value seen yet, new request → restart",
      record("succeeded"),
      undefined,
      false,
      REQUEST,
      { kind: "restart", value: "v2", requestId: "q1" },
    ],
    [
      "succeeded, no value seen yet, no request",
      record("succeeded"),
      undefined,
      false,
      undefined,
      { kind: "none" },
    ],
  ];

  it.each(rows)("%s", (_name, r, latest, initial, request, expected) => {
    expect(decideNext(r, latest, initial, request)).toEqual(expected);
  });
});
