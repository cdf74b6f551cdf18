import type { Clock } from "../../../../src/core/clock.js";
import { UpstreamUnavailableError } from "../../../../src/core/errors.js";
import type { AllocCheck, ServiceHealth } from "../../../../src/kv/kv-store.js";
import type {
  NomadAllocation,
  NomadApi,
  NomadCheckResult,
  NomadJob,
  NomadJobStub,
  NomadUpdateStrategy,
} from "../../../../src/nomad/nomad-api.js";
import { buildJob, type FakeJobSpec } from "./fake-job.js";

interface SimAlloc {
  id: string;
  index: number;
  jobId: string;
  createIndex: number;
  clientStatus: NomadAllocation["ClientStatus"];
  desiredStatus: NomadAllocation["DesiredStatus"];
  state: "pending" | "running" | "dead";
  startedAt: number;
  restarts: number;
  restartingUntil: number | undefined;
  events: Array<{ Type: string; Time: number }>;
  /** The value the process runs with (its env at start). */
  env: string | undefined;
  /** The value in the rendered file. */
  file: string | undefined;
  /** The digest in the rendered file, when `configs/<service>/IMAGE_DIGEST` exists (README, "Supply chain"). */
  digestFile?: string | undefined;
}

export interface RestartCall {
  allocId: string;
  task: string | undefined;
  at: number;
  /** The value in KV when the restart was asked for. */
  value: string | undefined;
  /** Allocations of the job unhealthy (restarting or failing checks) right after this call. */
  unhealthy: number;
  /** Since when the allocation's service was in maintenance (drained), if it was. */
  drainedSince: number | undefined;
}

/**
 * A simulated Nomad client + Consul health for one or more demo-like jobs (one task `app`, a
 * template rendering `configs/<service>/` into `app/local/env`). State is a function of the
 * virtual clock: a restart takes `restartMs`, checks pass `healthyAfterMs` after a start unless
 * the value contains "broken". With render_templates the restart re-renders from KV.
 */
export class FakeNomad implements NomadApi, ServiceHealth {
  readonly restarts: RestartCall[] = [];
  restartMs = 300;
  healthyAfterMs = 200;
  unreachable = false;
  /** While true, rendered files stop following KV (templates not re-rendering). */
  renderFrozen = false;
  /** Rendered file contents forced per allocation (drift). */
  readonly fileOverride = new Map<string, string>();
  private readonly jobs = new Map<string, { spec: FakeJobSpec; job: NomadJob }>();
  private readonly allocs = new Map<string, SimAlloc>();
  /** Service IDs in Consul maintenance mode, with the time it was enabled. */
  readonly maintenance = new Map<string, number>();
  private nextIndex = 1000;

  constructor(
    private readonly clock: Clock,
    private readonly kvValue: (key: string) => string | undefined,
  ) {}

  addJob(spec: FakeJobSpec): void {
    this.jobs.set(spec.id, { spec, job: buildJob(spec) });
    this.scale(spec.id, spec.count);
  }

  setUpdate(jobId: string, update: NomadUpdateStrategy): void {
    const entry = this.jobs.get(jobId);
    if (entry?.job.TaskGroups[0]) entry.job.TaskGroups[0].Update = update;
  }

  /** Places or stops allocations so that `count` run. */
  scale(jobId: string, count: number): string[] {
    const live = this.live(jobId);
    const placed: string[] = [];
    for (let i = live.length; i < count; i++) placed.push(this.place(jobId, i));
    for (const alloc of live.slice(count)) {
      alloc.desiredStatus = "stop";
      alloc.clientStatus = "complete";
    }
    return placed;
  }

  live(jobId: string): SimAlloc[] {
    return [...this.allocs.values()].filter((a) => a.jobId === jobId && a.desiredStatus === "run");
  }

  /** What each running allocation of the job serves. */
  served(jobId: string): Array<string | undefined> {
    return this.live(jobId).map((a) => (this.settle(a), a.env));
  }

  healthy(alloc: SimAlloc): boolean {
    this.settle(alloc);
    const now = this.clock.now();
    return (
      alloc.state === "running" &&
      now >= alloc.startedAt + this.healthyAfterMs &&
      !(alloc.env ?? "").includes("broken")
    );
  }

  async listJobs(): Promise<NomadJobStub[]> {
    this.reach();
    return [...this.jobs.values()].map(({ job }) => ({
      ID: job.ID,
      Namespace: job.Namespace,
      Status: "running",
      Meta: job.Meta ?? null,
    }));
  }

  async getJob(jobId: string): Promise<NomadJob | undefined> {
    this.reach();
    const job = this.jobs.get(jobId)?.job;
    return job && structuredClone(job);
  }

  async jobAllocations(jobId: string): Promise<NomadAllocation[]> {
    this.reach();
    return [...this.allocs.values()].filter((a) => a.jobId === jobId).map((a) => this.view(a));
  }

  async getAllocation(allocId: string): Promise<NomadAllocation | undefined> {
    this.reach();
    const alloc = this.allocs.get(allocId);
    return alloc && this.view(alloc);
  }

  async restartAllocation(allocId: string, task?: string): Promise<void> {
    this.reach();
    const alloc = this.allocs.get(allocId);
    if (!alloc) throw new Error(`allocation ${allocId} not found`);
    const now = this.clock.now();
    this.settle(alloc);
    alloc.state = "pending";
    alloc.restarts++;
    alloc.restartingUntil = now + this.restartMs;
    alloc.events.push({ Type: "Restart Signaled", Time: now * 1e6 });
    const unhealthy = this.live(alloc.jobId).filter((a) => !this.healthy(a)).length;
    const service = serviceId(allocId);
    const drainedSince = this.maintenance.get(service);
    this.restarts.push({
      allocId,
      task,
      at: now,
      value: this.kvValue(this.keyOf(alloc.jobId)),
      unhealthy,
      drainedSince,
    });
    // Nomad deregisters a task-level service when it kills the task: maintenance goes with it.
    this.maintenance.delete(service);
    await this.clock.sleep(20);
  }

  async readAllocFile(allocId: string, path: string): Promise<string> {
    this.reach();
    const alloc = this.allocs.get(allocId);
    if (!alloc || path !== "app/local/env") throw new Error(`no file ${path} in ${allocId}`);
    this.settle(alloc);
    const digest = alloc.digestFile === undefined ? "" : `IMAGE_DIGEST=${alloc.digestFile}\n`;
    return this.fileOverride.get(allocId) ?? `${digest}IMAGE_TAG=${alloc.file ?? ""}\n`;
  }

  async allocationChecks(allocId: string): Promise<NomadCheckResult[]> {
    this.reach();
    const alloc = this.allocs.get(allocId);
    if (!alloc || alloc.state !== "running") return [];
    const status = this.healthy(alloc) ? "success" : "failure";
    return [
      {
        Check: "health",
        Group: "app",
        ID: "c1",
        Mode: "healthiness",
        Output: "",
        Service: "app",
        Status: status,
        Timestamp: 0,
      },
    ];
  }

  async checksForAlloc(allocId: string): Promise<AllocCheck[]> {
    this.reach();
    const alloc = this.allocs.get(allocId);
    if (!alloc) return [];
    this.settle(alloc);
    // Nomad deregisters a task's services while it restarts.
    if (alloc.state !== "running") return [];
    const status = this.healthy(alloc) ? "passing" : "critical";
    const service = serviceId(allocId);
    const checks: AllocCheck[] = [
      { checkId: `check-${allocId}`, serviceId: service, serviceName: "app", status, output: "" },
    ];
    if (this.maintenance.has(service)) {
      checks.push({
        checkId: `_service_maintenance:${service}`,
        serviceId: service,
        serviceName: "app",
        status: "critical",
        output: "",
      });
    }
    return checks;
  }

  /** When set, setMaintenance rejects with it (e.g. a service unknown to this agent). */
  maintenanceError: Error | undefined;

  async setMaintenance(id: string, enable: boolean): Promise<void> {
    this.reach();
    if (this.maintenanceError) throw this.maintenanceError;
    if (enable && !this.maintenance.has(id)) this.maintenance.set(id, this.clock.now());
    if (!enable) this.maintenance.delete(id);
  }

  async passingInstances(): Promise<Array<{ address: string; port: number; serviceId: string }>> {
    return [];
  }

  async version(): Promise<string> {
    return "1.11.3";
  }

  async ping(): Promise<boolean> {
    return !this.unreachable;
  }

  private place(jobId: string, index: number): string {
    const id = `${jobId}-alloc-${this.nextIndex}`;
    const value = this.kvValue(this.keyOf(jobId));
    this.allocs.set(id, {
      id,
      index,
      jobId,
      createIndex: this.nextIndex++,
      clientStatus: "running",
      desiredStatus: "run",
      state: "running",
      startedAt: this.clock.now() - this.healthyAfterMs,
      restarts: 0,
      restartingUntil: undefined,
      events: [{ Type: "Started", Time: this.clock.now() * 1e6 }],
      env: value,
      file: value,
    });
    return id;
  }

  /** Applies what virtual time has done since the last look: renders, restarts completing. */
  private settle(alloc: SimAlloc): void {
    const spec = this.jobs.get(alloc.jobId)?.spec;
    if (!this.renderFrozen) this.render(alloc);
    if (alloc.restartingUntil !== undefined && this.clock.now() >= alloc.restartingUntil) {
      if (spec?.renderTemplates !== false) this.render(alloc);
      alloc.state = "running";
      alloc.startedAt = alloc.restartingUntil;
      alloc.env = alloc.file;
      alloc.events.push({ Type: "Started", Time: alloc.restartingUntil * 1e6 });
      alloc.restartingUntil = undefined;
    }
  }

  private view(alloc: SimAlloc): NomadAllocation {
    this.settle(alloc);
    const spec = this.jobs.get(alloc.jobId)?.spec;
    return {
      ID: alloc.id,
      Name: `${alloc.jobId}.${spec?.group ?? "app"}[${alloc.index}]`,
      Namespace: "default",
      NodeID: "node-1",
      JobID: alloc.jobId,
      JobVersion: 0,
      TaskGroup: spec?.group ?? "app",
      DesiredStatus: alloc.desiredStatus,
      ClientStatus: alloc.clientStatus,
      TaskStates: {
        app: {
          State: alloc.state,
          Failed: false,
          Restarts: alloc.restarts,
          LastRestart: null,
          StartedAt: new Date(alloc.startedAt).toISOString(),
          FinishedAt: null,
          Events: alloc.events.slice(-10),
        },
      },
      CreateIndex: alloc.createIndex,
      ModifyIndex: alloc.createIndex,
      CreateTime: alloc.startedAt * 1e6,
    };
  }

  /** The template renders the service's folder: the tag and, when there is one, the digest. */
  private render(alloc: SimAlloc): void {
    alloc.file = this.kvValue(this.keyOf(alloc.jobId));
    alloc.digestFile = this.kvValue(this.keyOf(alloc.jobId).replace(/IMAGE_TAG$/, "IMAGE_DIGEST"));
  }

  private keyOf(jobId: string): string {
    return `configs/${this.jobs.get(jobId)?.spec.service ?? jobId}/IMAGE_TAG`;
  }

  private reach(): void {
    if (this.unreachable) throw new UpstreamUnavailableError("nomad", "fake nomad unreachable");
  }
}

function serviceId(allocId: string): string {
  return `_nomad-task-${allocId}-app-app-http`;
}
