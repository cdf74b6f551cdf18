import { inject } from "vitest";

/** Small helpers for integration tests against the agents started by global-setup.ts. */

export const consulAddr = () => inject("consulAddr");
export const nomadAddr = () => inject("nomadAddr");

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  { timeoutMs = 60_000, intervalMs = 250 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function http(base: string, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${base}${path}`, { ...init, signal: init.signal ?? AbortSignal.timeout(15_000) });
}

export async function nomadJson<T = unknown>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await http(nomadAddr(), path, init);
  const text = await res.text();
  if (!res.ok) throw new Error(`Nomad ${init.method ?? "GET"} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

export async function kvPut(key: string, value: string): Promise<void> {
  const res = await http(consulAddr(), `/v1/kv/${key}`, { method: "PUT", body: value });
  if (!res.ok || (await res.text()).trim() !== "true") throw new Error(`KV put ${key} failed: ${res.status}`);
}

export async function kvGet(key: string): Promise<string | undefined> {
  const res = await http(consulAddr(), `/v1/kv/${key}?raw`);
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`KV get ${key}: ${res.status}`);
  return res.text();
}

export async function kvDeleteTree(prefix: string): Promise<void> {
  await http(consulAddr(), `/v1/kv/${prefix}?recurse`, { method: "DELETE" });
}

export interface AllocSummary {
  ID: string;
  ClientStatus: string;
  DesiredStatus: string;
  TaskStates: Record<string, { State: string; Restarts: number; StartedAt: string | null }> | null;
}

export async function jobAllocs(jobId: string): Promise<AllocSummary[]> {
  return nomadJson<AllocSummary[]>(`/v1/job/${jobId}/allocations`);
}

export async function runningAllocs(jobId: string): Promise<AllocSummary[]> {
  return (await jobAllocs(jobId)).filter((a) => a.DesiredStatus === "run" && a.ClientStatus === "running");
}

/** Consul health of one allocation's services: true when it has checks and all pass. */
export async function allocPassing(allocId: string): Promise<boolean> {
  const filter = encodeURIComponent(`ServiceID matches "^_nomad-task-${allocId}-"`);
  const res = await http(consulAddr(), `/v1/health/state/any?filter=${filter}`);
  const checks = (await res.json()) as Array<{ Status: string; ServiceID: string }>;
  const service = checks.filter((c) => c.ServiceID);
  return service.length > 0 && service.every((c) => c.Status === "passing");
}

/** Waits until `count` allocations run and pass their Consul checks; returns them. */
export async function waitForHealthyAllocs(jobId: string, count: number, timeoutMs = 120_000) {
  return waitFor(
    `${count} healthy allocations of ${jobId}`,
    async () => {
      const allocs = await runningAllocs(jobId);
      if (allocs.length !== count) return undefined;
      const states = await Promise.all(allocs.map((a) => allocPassing(a.ID)));
      return states.every(Boolean) ? allocs : undefined;
    },
    { timeoutMs, intervalMs: 500 },
  );
}

export async function readAllocFile(allocId: string, path: string): Promise<string> {
  const res = await http(nomadAddr(), `/v1/client/fs/cat/${allocId}?path=${encodeURIComponent(path)}`);
  if (!res.ok) throw new Error(`fs/cat ${allocId} ${path}: ${res.status} ${await res.text()}`);
  return res.text();
}

/** The loopback address of an allocation's `http` port. */
export async function allocAddress(allocId: string): Promise<string> {
  const alloc = await nomadJson<{
    AllocatedResources: { Shared: { Ports: Array<{ Label: string; Value: number; HostIP: string }> | null } };
  }>(`/v1/allocation/${allocId}`);
  const port = alloc.AllocatedResources.Shared.Ports?.find((p) => p.Label === "http");
  if (!port) throw new Error(`allocation ${allocId} has no http port`);
  return `http://${port.HostIP}:${port.Value}`;
}

/** GET / on one allocation: the tag it serves and its process id. */
export async function callAlloc(allocId: string): Promise<{ tag: string; pid: number; startedAt: string }> {
  const res = await fetch(`${await allocAddress(allocId)}/`, { signal: AbortSignal.timeout(5_000) });
  return (await res.json()) as { tag: string; pid: number; startedAt: string };
}

export async function restartAlloc(allocId: string, task = "app"): Promise<void> {
  await nomadJson(`/v1/client/allocation/${allocId}/restart`, {
    method: "POST",
    body: JSON.stringify({ TaskName: task }),
  });
}

export async function purgeJob(jobId: string): Promise<void> {
  await http(nomadAddr(), `/v1/job/${jobId}?purge=true`, { method: "DELETE" });
  await waitFor(`allocations of ${jobId} to stop`, async () => {
    const allocs = await jobAllocs(jobId).catch(() => []);
    return allocs.every((a) => a.ClientStatus !== "running") || undefined;
  });
}
