import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../../src/agents/free-port.js";
import { NotFoundError, UpstreamUnavailableError, ValidationError } from "../../../src/core/errors.js";
import { HttpNomadApi } from "../../../src/nomad/http-nomad-api.js";
import { deregisterJob, registerJobHcl } from "../../../src/nomad/job-admin.js";
import type { NomadAllocation } from "../../../src/nomad/nomad-api.js";
import { nomadAddr, waitFor } from "../../helpers/cluster.js";
import { PROBE_JOB_HCL, probeVariables } from "./probe-job.js";

/** HttpNomadApi and the job-admin helpers against the real Nomad dev agent. */
describe("HttpNomadApi", () => {
  const jobId = `it-nomad-api-${randomUUID().slice(0, 8)}`;
  let nomad: HttpNomadApi;
  let alloc: NomadAllocation;

  const running = async (id: string) => {
    const a = await nomad.getAllocation(id);
    return a?.ClientStatus === "running" && a.TaskStates?.probe?.State === "running" ? a : undefined;
  };

  beforeAll(async () => {
    nomad = new HttpNomadApi({ address: nomadAddr() });
    const registered = await registerJobHcl(nomad.http, PROBE_JOB_HCL, {
      jobId,
      variables: probeVariables(jobId, "nomad"),
    });
    expect(registered).toMatchObject({ jobId, namespace: "default" });
    expect(registered.evalId).toMatch(/^[0-9a-f-]{36}$/);
    const [first] = await waitFor("a running allocation", async () => {
      const allocs = await nomad.jobAllocations(jobId);
      const live = allocs.filter((a) => a.ClientStatus === "running");
      return live.length === 1 ? live : undefined;
    });
    alloc = await waitFor("the task running", () => running((first as NomadAllocation).ID));
  });

  afterAll(async () => {
    expect(await deregisterJob(nomad.http, jobId, true)).toBe(true);
    await nomad.close();
  });

  it("lists jobs with their Meta, so opt-in by meta needs no extra reads", async () => {
    const stubs = await nomad.listJobs();
    const ours = stubs.find((s) => s.ID === jobId);
    expect(ours).toMatchObject({ ID: jobId, Namespace: "default" });
    expect(ours?.Meta).toEqual({ tagroll_service: jobId });
    expect((await nomad.listJobs({ namespace: "*" })).some((s) => s.ID === jobId)).toBe(true);
  });

  it("reads a job with its task groups and update strategy in nanoseconds", async () => {
    const job = await nomad.getJob(jobId);
    expect(job?.ID).toBe(jobId);
    expect(job?.Meta).toEqual({ tagroll_service: jobId });
    const group = job?.TaskGroups[0];
    expect(group?.Name).toBe("g");
    expect(group?.Tasks.map((t) => t.Name)).toEqual(["probe"]);
    expect(group?.Tasks[0]?.Templates?.[0]?.DestPath).toBe("local/greeting");
    // Canonicalized defaults of the update block: min_healthy_time 10s.
    expect(group?.Update?.MinHealthyTime).toBe(10_000_000_000);
  });

  it("is undefined for a job or allocation that does not exist", async () => {
    expect(await nomad.getJob("no-such-job")).toBeUndefined();
    expect(await nomad.getAllocation(randomUUID())).toBeUndefined();
    expect(await nomad.jobAllocations("no-such-job")).toEqual([]);
  });

  it("lists a job's allocations and reads one in full", async () => {
    const allocs = await nomad.jobAllocations(jobId);
    expect(allocs.map((a) => a.ID)).toContain(alloc.ID);
    expect(alloc).toMatchObject({ JobID: jobId, TaskGroup: "g", DesiredStatus: "run", Namespace: "default" });
    expect(alloc.TaskStates?.probe?.StartedAt).toBeTruthy();
  });

  it("reads a rendered file from the allocation directory", async () => {
    const text = await nomad.readAllocFile(alloc.ID, "probe/local/greeting");
    expect(text).toBe(`greeting=hello from ${alloc.ID}\n`);
  });

  it("says NotFound for a file not rendered (yet) and for an unknown allocation", async () => {
    // Nomad 1.11 sends these errors as HTTP 200 with the message as the body: they must not be
    // mistaken for file content.
    const missing = await nomad.readAllocFile(alloc.ID, "probe/local/nothing").catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect((missing as Error).message).toMatch(/probe\/local\/nothing.*no such file/);
    const unknown = randomUUID();
    const gone = await nomad.readAllocFile(unknown, "probe/local/greeting").catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(NotFoundError);
    expect((gone as Error).message).toContain(unknown);
  });

  it("returns Nomad-native check results once the check has run", async () => {
    const checks = await waitFor("a passing nomad check", async () => {
      const results = await nomad.allocationChecks(alloc.ID);
      return results.some((c) => c.Status === "success") ? results : undefined;
    });
    expect(checks[0]).toMatchObject({ Service: jobId, Group: `${jobId}.g[0]`, Mode: "healthiness" });
  });

  it("restarts one task, then all tasks, and Nomad counts each restart", async () => {
    await nomad.restartAllocation(alloc.ID, "probe");
    const once = await waitFor("restart 1", async () => {
      const a = await running(alloc.ID);
      return a && a.TaskStates?.probe?.Restarts === 1 ? a : undefined;
    });
    expect(once.TaskStates?.probe?.LastRestart).toBeTruthy();

    await nomad.restartAllocation(alloc.ID);
    await waitFor("restart 2", async () => {
      const a = await running(alloc.ID);
      return a && a.TaskStates?.probe?.Restarts === 2 ? a : undefined;
    });
  });

  it("throws NotFoundError when restarting an allocation that does not exist", async () => {
    await expect(nomad.restartAllocation(randomUUID(), "probe")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("reports its version and a leader", async () => {
    expect(await nomad.version()).toMatch(/^\d+\.\d+\.\d+/);
    expect(await nomad.ping()).toBe(true);
  });

  it("reports deregistering a job that does not exist as false", async () => {
    expect(await deregisterJob(nomad.http, `no-such-${jobId}`, true)).toBe(false);
  });

  it("rejects invalid HCL with Nomad's own message", async () => {
    const error = await registerJobHcl(nomad.http, 'job "x" { group {').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(/jobs\/parse/);
  });

  it("reports an unreachable agent as UpstreamUnavailableError naming the address", async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const down = new HttpNomadApi({ address: nowhere, token: "secret-nomad-token" });
    try {
      const error = await down.listJobs().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UpstreamUnavailableError);
      expect((error as UpstreamUnavailableError).upstream).toBe("nomad");
      expect((error as Error).message).toContain(nowhere);
      expect((error as Error).message).toMatch(/ECONNREFUSED/);
      expect((error as Error).message).not.toContain("secret-nomad-token");
      expect(await down.ping()).toBe(false);
    } finally {
      await down.close();
    }
  });
});
