import type { AllocProgress, RolloutRecord } from "../../../../src/coordinator/model/rollout-record.js";

/** A running deploy of `configs/web/IMAGE_TAG` from v1 to v2, with `extra` on top. */
export function rolloutRecord(extra: Partial<RolloutRecord> = {}): RolloutRecord {
  return {
    version: 1,
    id: "r1",
    service: "web",
    key: "configs/web/IMAGE_TAG",
    kind: "deploy",
    value: "v2",
    previousValue: "v1",
    status: "running",
    superseded: [],
    allocs: [],
    startedAt: 0,
    updatedAt: 0,
    ...extra,
  };
}

/** A planned allocation of job `web`, group `app`, with `extra` on top. */
export function allocEntry(extra: Partial<AllocProgress> = {}): AllocProgress {
  return {
    allocId: "a1",
    name: "web.app[0]",
    jobId: "web",
    namespace: "default",
    group: "app",
    state: "pending",
    updatedAt: 0,
    ...extra,
  };
}
