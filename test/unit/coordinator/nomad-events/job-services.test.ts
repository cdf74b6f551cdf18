import { describe, expect, it } from "vitest";
import type { ServiceConfig } from "../../../../src/config/types.js";
import { jobOfEvent, JobServices, type NomadEvent } from "../../../../src/coordinator/nomad-events/index.js";
import { serviceConfig } from "../fakes/harness.js";

const alloc = (jobId: string, ClientStatus: string, Namespace = "default"): NomadEvent => ({
  Topic: "Allocation",
  Type: "AllocationUpdated",
  Key: "a1",
  Namespace,
  Index: 5,
  Payload: { Allocation: { JobID: jobId, Namespace, ClientStatus, DesiredStatus: "run" } },
});
const job = (id: string, meta: Record<string, string> | null, Namespace = "default"): NomadEvent => ({
  Topic: "Job",
  Type: "JobRegistered",
  Key: id,
  Namespace,
  Index: 6,
  Payload: { Job: { ID: id, Namespace, Meta: meta } },
});

describe("which services a Nomad event concerns", () => {
  it("a running allocation, a job change or a deployment names the job; a pending allocation does not", () => {
    expect(jobOfEvent(alloc("web", "running"))).toBe("default/web");
    expect(jobOfEvent(alloc("web", "pending"))).toBeUndefined();
    expect(jobOfEvent(alloc("web", "complete", "prod"))).toBeUndefined();
    expect(jobOfEvent(job("api", null, "prod"))).toBe("prod/api");
    const deployment: NomadEvent = {
      Topic: "Deployment",
      Type: "DeploymentStatusUpdate",
      Key: "d1",
      Namespace: "prod",
      Index: 9,
      Payload: { Deployment: { JobID: "api", Namespace: "prod" } },
    };
    expect(jobOfEvent(deployment)).toBe("prod/api");
  });

  it("maps configured jobs by namespace, and opt-ins from the listing and from Job events", () => {
    const listed: ServiceConfig = { ...serviceConfig("web"), jobs: [{ id: "web-job" }] };
    const other: ServiceConfig = { ...serviceConfig("api"), jobs: [{ id: "api-job", namespace: "prod" }] };
    const map = new JobServices([listed, other, serviceConfig("late")], undefined);
    expect(map.servicesOf("default/web-job")).toEqual(["web"]);
    expect(map.servicesOf("prod/api-job")).toEqual(["api"]);
    expect(map.servicesOf("default/api-job")).toEqual([]);

    map.seed([{ ID: "shared", Namespace: "default", Status: "running", Meta: { tagroll_service: "api" } }]);
    expect(map.servicesOf("default/shared")).toEqual(["api"]);
    map.learn(job("shared", { tagroll_service: "late" }));
    expect(map.servicesOf("default/shared")).toEqual(["late"]);
    map.learn(job("shared", null));
    expect(map.servicesOf("default/shared")).toEqual([]);
    map.learn(job("stranger", { tagroll_service: "not-configured" }));
    expect(map.servicesOf("default/stranger")).toEqual([]);
  });
});
