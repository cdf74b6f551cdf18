import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NotFoundError } from "../../../src/core/errors.js";
import { ConsulServiceHealth } from "../../../src/kv/consul-kv-store.js";
import { HttpNomadApi } from "../../../src/nomad/http-nomad-api.js";
import { deregisterJob, registerJobHcl } from "../../../src/nomad/job-admin.js";
import { consulAddr, nomadAddr, waitFor } from "../../helpers/cluster.js";
import { PROBE_JOB_HCL, probeVariables } from "../nomad-api/probe-job.js";

/** ConsulServiceHealth against services that a real Nomad registered in the real Consul. */
describe("ConsulServiceHealth", () => {
  const jobId = `it-health-${randomUUID().slice(0, 8)}`;
  let health: ConsulServiceHealth;
  let nomad: HttpNomadApi;
  let allocId: string;

  beforeAll(async () => {
    health = new ConsulServiceHealth({ address: consulAddr() });
    nomad = new HttpNomadApi({ address: nomadAddr() });
    await registerJobHcl(nomad.http, PROBE_JOB_HCL, { jobId, variables: probeVariables(jobId, "consul") });
    allocId = await waitFor("a running allocation", async () => {
      const allocs = await nomad.jobAllocations(jobId);
      return allocs.find((a) => a.ClientStatus === "running")?.ID;
    });
  });

  afterAll(async () => {
    await deregisterJob(nomad.http, jobId, true);
    await nomad.close();
    health.close();
  });

  it("finds an allocation's checks by Nomad's service ID prefix, and sees them pass", async () => {
    const checks = await waitFor("a passing check", async () => {
      const found = await health.checksForAlloc(allocId);
      return found.length > 0 && found.every((c) => c.status === "passing") ? found : undefined;
    });
    expect(checks).toHaveLength(1);
    expect(checks[0]?.serviceName).toBe(jobId);
    expect(checks[0]?.serviceId.startsWith(`_nomad-task-${allocId}-`)).toBe(true);
  });

  it("lists the passing instance with the allocation's address and port", async () => {
    const alloc = (await nomad.getAllocation(allocId)) as unknown as {
      AllocatedResources: { Shared: { Ports: Array<{ Label: string; Value: number; HostIP: string }> } };
    };
    const port = alloc.AllocatedResources.Shared.Ports.find((p) => p.Label === "http");
    const instances = await waitFor("a passing instance", async () => {
      const found = await health.passingInstances(jobId);
      return found.length === 1 ? found : undefined;
    });
    expect(instances[0]).toMatchObject({ address: port?.HostIP, port: port?.Value });
    expect(instances[0]?.serviceId.startsWith(`_nomad-task-${allocId}-`)).toBe(true);
  });

  it("takes an instance out of the passing set in maintenance mode, and back", async () => {
    const [instance] = await waitFor("a passing instance", async () => {
      const found = await health.passingInstances(jobId);
      return found.length === 1 ? found : undefined;
    });
    const serviceId = instance?.serviceId ?? "";
    await health.setMaintenance(serviceId, true, "tagroll: draining before restart");
    expect(await health.passingInstances(jobId)).toEqual([]);
    const checks = await health.checksForAlloc(allocId);
    expect(checks.find((c) => c.checkId === `_service_maintenance:${serviceId}`)?.status).toBe("critical");

    await health.setMaintenance(serviceId, false, "tagroll: restarted");
    expect((await health.passingInstances(jobId)).map((i) => i.serviceId)).toEqual([serviceId]);
    await expect(health.setMaintenance(`_nomad-task-${randomUUID()}-x`, true, "r")).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it("blocks on the allocation's checks until one changes, then answers with the change", async () => {
    const first = await health.watchChecksForAlloc(allocId, 0, 5_000);
    expect(first.index).toBeGreaterThan(0);
    const serviceId = first.checks[0]?.serviceId ?? "";
    // Nothing changes: the query holds for its wait.
    const started = Date.now();
    const idle = await health.watchChecksForAlloc(allocId, first.index, 400);
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    expect(idle.checks.map((c) => c.status)).toEqual(first.checks.map((c) => c.status));
    // A check flips (maintenance adds a critical one): the waiting query returns with it.
    const waiting = health.watchChecksForAlloc(allocId, idle.index, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const flippedAt = Date.now();
    await health.setMaintenance(serviceId, true, "tagroll: blocking query test");
    // Consul wakes a query for any change to the checks table, so another check elsewhere may
    // answer first; the flip is in the next answers, each blocking from the last index.
    let changed = await waiting;
    while (!changed.checks.some((c) => c.status === "critical") && Date.now() - flippedAt < 10_000) {
      expect(changed.index).toBeGreaterThan(idle.index);
      changed = await health.watchChecksForAlloc(allocId, changed.index, 10_000);
    }
    expect(Date.now() - flippedAt).toBeLessThan(10_000);
    expect(changed.checks.some((c) => c.status === "critical")).toBe(true);
    await health.setMaintenance(serviceId, false, "tagroll: blocking query test done");
    const aborted = new AbortController();
    const pending = health.watchChecksForAlloc(allocId, changed.index + 1_000_000, 30_000, aborted.signal);
    aborted.abort(new Error("stop"));
    await expect(pending).rejects.toThrow("stop");
  });

  it("finds nothing for an allocation without services, and refuses a non-UUID", async () => {
    expect(await health.checksForAlloc(randomUUID())).toEqual([]);
    await expect(health.checksForAlloc('x" or ServiceID != "')).rejects.toThrow(/allocation ID/);
    expect(await health.passingInstances(`no-such-${jobId}`)).toEqual([]);
  });

  it("pings a cluster with a leader", async () => {
    expect(await health.ping()).toBe(true);
  });
});
