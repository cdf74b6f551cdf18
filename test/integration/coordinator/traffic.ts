import { allocPassing, consulAddr, runningAllocs, sleep } from "../../helpers/cluster.js";

export interface TrafficReport {
  ok: number;
  failed: number;
  /** Tags served, in order of first appearance. */
  tags: string[];
  errors: string[];
}

/**
 * A client that spreads requests over the service's passing instances as Consul lists them —
 * what a load balancer using Consul would do — refreshing that list every `refreshMs`. Runs
 * until `stop()`; every failed request (connection refused, reset, non-2xx) is counted.
 */
export function startTraffic(service: string, refreshMs = 250, pauseMs = 20) {
  const report: TrafficReport = { ok: 0, failed: 0, tags: [], errors: [] };
  let running = true;
  let instances: string[] = [];
  let listedAt = 0;
  let next = 0;
  const loop = (async () => {
    while (running) {
      if (Date.now() - listedAt > refreshMs) {
        instances = await passing(service).catch(() => instances);
        listedAt = Date.now();
      }
      const target = instances[next++ % Math.max(1, instances.length)];
      if (target) {
        try {
          const res = await fetch(`${target}/`, { signal: AbortSignal.timeout(3_000) });
          if (!res.ok) throw new Error(`HTTP ${res.status}`);
          const { tag } = (await res.json()) as { tag: string };
          report.ok++;
          if (!report.tags.includes(tag)) report.tags.push(tag);
        } catch (err) {
          report.failed++;
          const cause = (err as { cause?: { code?: string; message?: string } }).cause;
          const why = `${(err as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ""}`;
          if (report.errors.length < 20) report.errors.push(`${new Date().toISOString()} ${target}: ${why}`);
        }
      }
      await sleep(pauseMs);
    }
  })();
  return {
    report,
    stop: async () => {
      running = false;
      await loop;
      return report;
    },
  };
}

async function passing(service: string): Promise<string[]> {
  const res = await fetch(`${consulAddr()}/v1/health/service/${service}?passing`, {
    signal: AbortSignal.timeout(3_000),
  });
  const entries = (await res.json()) as Array<{
    Service: { Address: string; Port: number };
    Node: { Address: string };
  }>;
  return entries.map((e) => `http://${e.Service.Address || e.Node.Address}:${e.Service.Port}`);
}

/**
 * Samples, every `everyMs`, how many running allocations of the job are not passing their Consul
 * checks (restarting, starting, failing) — the quantity max_parallel bounds.
 */
export function sampleUnhealthy(jobId: string, everyMs = 200) {
  let running = true;
  let max = 0;
  let samples = 0;
  const loop = (async () => {
    while (running) {
      try {
        const allocs = await runningAllocs(jobId);
        const states = await Promise.all(allocs.map((a) => allocPassing(a.ID).catch(() => false)));
        max = Math.max(max, states.filter((ok) => !ok).length);
        samples++;
      } catch {
        // a failed sample is just skipped
      }
      await sleep(everyMs);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { max, samples };
    },
  };
}
