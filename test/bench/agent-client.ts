import { registerDemoJob, type DemoJobOptions } from "../../src/demo/demo-job.js";
import type { NomadAllocation } from "../../src/nomad/nomad-api.js";
import { sleep, waitFor } from "../helpers/cluster.js";

/**
 * The few Consul and Nomad HTTP calls the benchmarks make themselves (set-up, probes, clean-up),
 * against one private cluster. Plain fetch: what a benchmark measures goes through tagroll's own
 * clients, not these.
 */
export class AgentClient {
  constructor(
    readonly consulAddr: string,
    readonly nomadAddr: string,
  ) {}

  async kvPut(key: string, value: string): Promise<void> {
    const res = await fetch(`${this.consulAddr}/v1/kv/${key}`, {
      method: "PUT",
      body: value,
      signal: AbortSignal.timeout(15_000),
    });
    if (!res.ok || (await res.text()).trim() !== "true") throw new Error(`KV put ${key}: HTTP ${res.status}`);
  }

  async consulJson<T>(path: string): Promise<T> {
    const res = await fetch(`${this.consulAddr}${path}`, { signal: AbortSignal.timeout(15_000) });
    if (!res.ok) throw new Error(`Consul ${path}: HTTP ${res.status}`);
    return (await res.json()) as T;
  }

  async nomadJson<T>(path: string, init: RequestInit = {}): Promise<T> {
    const res = await fetch(`${this.nomadAddr}${path}`, { ...init, signal: AbortSignal.timeout(15_000) });
    const text = await res.text();
    if (!res.ok)
      throw new Error(`Nomad ${init.method ?? "GET"} ${path}: ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  }

  /** Writes the first tag, registers the demo job as `name` (job and service), waits until healthy. */
  async deployDemo(name: string, tag: string, options: DemoJobOptions): Promise<NomadAllocation[]> {
    await this.kvPut(`configs/${name}/IMAGE_TAG`, tag);
    await registerDemoJob(this.nomadAddr, { id: name, service: name, ...options });
    return this.waitForHealthyAllocs(name, options.count ?? 3);
  }

  async runningAllocs(jobId: string): Promise<NomadAllocation[]> {
    const allocs = await this.nomadJson<NomadAllocation[]>(`/v1/job/${jobId}/allocations`);
    return allocs.filter((a) => a.DesiredStatus === "run" && a.ClientStatus === "running");
  }

  async allocation(allocId: string): Promise<NomadAllocation> {
    return this.nomadJson<NomadAllocation>(`/v1/allocation/${allocId}`);
  }

  /** True when the allocation's Consul services have checks and all of them pass. */
  async allocPassing(allocId: string): Promise<boolean> {
    const filter = encodeURIComponent(`ServiceID matches "^_nomad-task-${allocId}-"`);
    const checks = await this.consulJson<Array<{ Status: string; ServiceID: string }>>(
      `/v1/health/state/any?filter=${filter}`,
    );
    const service = checks.filter((c) => c.ServiceID);
    return service.length > 0 && service.every((c) => c.Status === "passing");
  }

  /** Waits until exactly `count` allocations run and pass their checks; returns them. */
  async waitForHealthyAllocs(jobId: string, count: number, timeoutMs = 180_000): Promise<NomadAllocation[]> {
    return waitFor(
      `${count} healthy allocations of ${jobId}`,
      async () => {
        const allocs = await this.runningAllocs(jobId);
        if (allocs.length !== count) return undefined;
        const passing = await Promise.all(allocs.map((a) => this.allocPassing(a.ID)));
        return passing.every(Boolean) ? allocs : undefined;
      },
      { timeoutMs, intervalMs: 500 },
    );
  }

  /**
   * Waits until the job's latest deployment is successful: `nomad job restart` refuses to run
   * while one is in progress ("Deployment … is running"), and a settled job is a fair start for all.
   */
  async waitForDeployment(jobId: string, timeoutMs = 180_000): Promise<void> {
    await waitFor(
      `deployment of ${jobId} to succeed`,
      async () =>
        (await this.nomadJson<{ Status: string } | null>(`/v1/job/${jobId}/deployment`))?.Status ===
        "successful",
      { timeoutMs, intervalMs: 500 },
    );
  }

  /** GET / on one allocation: the tag its process serves. */
  async servedTag(allocId: string): Promise<string> {
    const alloc = await this.nomadJson<{
      AllocatedResources: {
        Shared: { Ports: Array<{ Label: string; Value: number; HostIP: string }> | null };
      };
    }>(`/v1/allocation/${allocId}`);
    const port = alloc.AllocatedResources.Shared.Ports?.find((p) => p.Label === "http");
    if (!port) throw new Error(`allocation ${allocId} has no http port`);
    const res = await fetch(`http://${port.HostIP}:${port.Value}/`, { signal: AbortSignal.timeout(5_000) });
    return ((await res.json()) as { tag: string }).tag;
  }

  /** Waits until `count` running allocations serve `tag` and pass their checks. */
  async waitForTag(jobId: string, count: number, tag: string, timeoutMs = 180_000): Promise<void> {
    await waitFor(
      `${count} allocations of ${jobId} serving ${tag}`,
      async () => {
        const allocs = await this.waitForHealthyAllocs(jobId, count, 5_000).catch(() => []);
        if (allocs.length !== count) return undefined;
        const tags = await Promise.all(allocs.map((a) => this.servedTag(a.ID)));
        return tags.every((t) => t === tag) || undefined;
      },
      { timeoutMs, intervalMs: 250 },
    );
  }

  /** Stops and purges a job so the next variant starts on an idle agent. */
  async purgeJob(jobId: string): Promise<void> {
    await fetch(`${this.nomadAddr}/v1/job/${jobId}?purge=true`, { method: "DELETE" }).catch(() => undefined);
    await waitFor(`allocations of ${jobId} to stop`, async () => {
      const allocs = await this.nomadJson<NomadAllocation[]>(`/v1/job/${jobId}/allocations`).catch(() => []);
      return allocs.every((a) => a.ClientStatus !== "running") || undefined;
    });
    await sleep(1_000);
  }
}
