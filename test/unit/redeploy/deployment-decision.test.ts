import { describe, expect, it } from "vitest";
import { decideDeployment } from "../../../src/coordinator/redeploy/index.js";
import type { DeploymentGroupState, NomadDeployment } from "../../../src/nomad/deploy-api.js";

function group(overrides: Partial<DeploymentGroupState> = {}): DeploymentGroupState {
  return {
    AutoRevert: false,
    AutoPromote: false,
    Promoted: false,
    DesiredCanaries: 0,
    DesiredTotal: 3,
    PlacedAllocs: 0,
    HealthyAllocs: 0,
    UnhealthyAllocs: 0,
    PlacedCanaries: null,
    ...overrides,
  };
}

function deployment(Status: string, StatusDescription = "", web = group()): NomadDeployment {
  return {
    ID: "0123456789abcdef",
    JobID: "web",
    Namespace: "default",
    JobVersion: 4,
    JobModifyIndex: 200,
    Status,
    StatusDescription,
    TaskGroups: { web },
    ModifyIndex: 210,
  };
}

describe("decideDeployment", () => {
  it("waits while the deployment runs, is paused or pending", () => {
    for (const status of ["running", "paused", "pending", "blocked", "initializing"])
      expect(decideDeployment(deployment(status))).toEqual({ kind: "wait" });
  });

  it("ends on success, and on cancellation with Nomad's reason", () => {
    expect(decideDeployment(deployment("successful"))).toEqual({ kind: "succeeded" });
    expect(decideDeployment(deployment("cancelled", "Cancelled due to newer version of job"))).toEqual({
      kind: "cancelled",
      reason: "Cancelled due to newer version of job",
    });
  });

  it("fails, saying whether Nomad's auto_revert is rolling the job back", () => {
    expect(decideDeployment(deployment("failed", "Failed due to unhealthy allocations"))).toEqual({
      kind: "failed",
      reason: "Nomad deployment 01234567 failed: Failed due to unhealthy allocations",
      nomadReverts: false,
    });
    const reverting = decideDeployment(
      deployment("failed", "Failed due to unhealthy allocations - rolling back to job version 3"),
    );
    expect(reverting).toMatchObject({ kind: "failed", nomadReverts: true });
  });

  it("promotes canaries once every one is placed and healthy, and not before", () => {
    const canary = (o: Partial<DeploymentGroupState>) =>
      deployment(
        "running",
        "Deployment is running but requires manual promotion",
        group({ DesiredCanaries: 1, ...o }),
      );
    expect(decideDeployment(canary({ PlacedCanaries: ["a"], HealthyAllocs: 0 }))).toEqual({ kind: "wait" });
    expect(decideDeployment(canary({ PlacedCanaries: [], HealthyAllocs: 1 }))).toEqual({ kind: "wait" });
    expect(decideDeployment(canary({ PlacedCanaries: ["a"], HealthyAllocs: 1 }))).toEqual({
      kind: "promote",
      groups: ["web"],
    });
  });

  it("leaves promoted and auto-promoting groups alone", () => {
    const healthy = { DesiredCanaries: 1, PlacedCanaries: ["a"], HealthyAllocs: 1 };
    expect(decideDeployment(deployment("running", "", group({ ...healthy, Promoted: true })))).toEqual({
      kind: "wait",
    });
    expect(decideDeployment(deployment("running", "", group({ ...healthy, AutoPromote: true })))).toEqual({
      kind: "wait",
    });
  });
});
