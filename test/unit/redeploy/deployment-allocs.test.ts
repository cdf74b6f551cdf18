import { describe, expect, it } from "vitest";
import { allocState, mergeDeploymentAllocs } from "../../../src/coordinator/redeploy/deployment-allocs.js";
import type { AllocProgress } from "../../../src/coordinator/index.js";
import type { DeploymentAllocation } from "../../../src/nomad/deploy-api.js";

function alloc(ID: string, o: Partial<DeploymentAllocation> = {}): DeploymentAllocation {
  return {
    ID,
    Name: `web.web[${ID}]`,
    TaskGroup: "web",
    JobVersion: 4,
    ClientStatus: "running",
    DesiredStatus: "run",
    DeploymentStatus: null,
    ModifyIndex: 1,
    ...o,
  };
}

const job = { jobId: "web", namespace: "default" };

describe("a deployment's allocations as record entries", () => {
  it("maps Nomad's placement and health onto the rollout's allocation states", () => {
    expect(allocState(alloc("1", { ClientStatus: "pending" }))).toBe("restarting");
    expect(allocState(alloc("1"))).toBe("health");
    expect(allocState(alloc("1", { DeploymentStatus: { Healthy: true } }))).toBe("healthy");
    expect(allocState(alloc("1", { DeploymentStatus: { Healthy: false } }))).toBe("failed");
    expect(allocState(alloc("1", { ClientStatus: "failed" }))).toBe("failed");
    expect(allocState(alloc("1", { DesiredStatus: "stop" }))).toBeUndefined();
  });

  it("replaces the job's entries, keeps other jobs' and unchanged ones as they were", () => {
    const other: AllocProgress = {
      allocId: "x",
      name: "api[0]",
      jobId: "api",
      namespace: "default",
      group: "api",
      state: "healthy",
      updatedAt: 1,
    };
    const first = mergeDeploymentAllocs([other], job, [alloc("1", { ClientStatus: "pending" })], "v2", 10);
    expect(first).toEqual([
      other,
      expect.objectContaining({
        allocId: "1",
        state: "restarting",
        restartedFor: "v2",
        restartedAt: 10,
        updatedAt: 10,
      }),
    ]);
    const second = mergeDeploymentAllocs(
      first,
      job,
      [alloc("1"), alloc("2", { DeploymentStatus: { Healthy: false } })],
      "v2",
      20,
    );
    expect(second.slice(1)).toEqual([
      expect.objectContaining({ allocId: "1", state: "health", restartedAt: 10, updatedAt: 20 }),
      expect.objectContaining({ allocId: "2", state: "failed", error: "unhealthy in the Nomad deployment" }),
    ]);
    const same = mergeDeploymentAllocs(
      second,
      job,
      [alloc("1"), alloc("2", { DeploymentStatus: { Healthy: false } })],
      "v2",
      30,
    );
    expect(same).toEqual(second);
  });
});
