import { Pool } from "undici";

/**
 * The ingest benchmark's client, run in its own process (bench-child.ts): one closed loop per
 * target, all loops sharing one rising counter `{n}` in the body, keep-alive connections (one per
 * loop). Latency is measured from send to the end of the answer, after a warm-up.
 */
export interface LoadTarget {
  origin: string;
  path: string;
  method: "POST" | "PUT";
  contentType?: string;
  /** `{n}` is replaced by the next value of the shared counter. */
  body: string;
}

export interface LoadSpec {
  targets: LoadTarget[];
  warmupMs: number;
  durationMs: number;
  /** First counter value (tags must rise above what a previous run wrote). */
  startAt: number;
}

export interface LoadResult {
  type: "done";
  count: number;
  elapsedMs: number;
  latenciesMs: number[];
  statuses: Record<string, number>;
  next: number;
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const pools = new Map<string, Pool>();
  for (const t of spec.targets) {
    const connections = spec.targets.filter((o) => o.origin === t.origin).length;
    if (!pools.has(t.origin)) pools.set(t.origin, new Pool(t.origin, { connections, pipelining: 1 }));
  }
  let n = spec.startAt;
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const start = performance.now();
  const measureFrom = start + spec.warmupMs;
  const end = measureFrom + spec.durationMs;
  const loop = async (t: LoadTarget) => {
    const pool = pools.get(t.origin) as Pool;
    while (performance.now() < end) {
      const sent = performance.now();
      let status: string;
      try {
        const res = await pool.request({
          path: t.path,
          method: t.method,
          headers: t.contentType ? { "content-type": t.contentType } : {},
          body: t.body.replaceAll("{n}", `${n++}`),
        });
        await res.body.text();
        status = `${res.statusCode}`;
      } catch (err) {
        status = (err as Error).message;
      }
      if (sent >= measureFrom && performance.now() <= end) {
        latencies.push(performance.now() - sent);
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }
  };
  await Promise.all(spec.targets.map(loop));
  await Promise.all([...pools.values()].map((p) => p.close()));
  return {
    type: "done",
    count: latencies.length,
    elapsedMs: spec.durationMs,
    latenciesMs: latencies,
    statuses,
    next: n,
  };
}

process.on("message", (message: { type: string; spec: LoadSpec }) => {
  if (message.type !== "run") return;
  runLoad(message.spec).then(
    (result) => process.send?.(result),
    (err: Error) => process.send?.({ type: "error", error: err.message }),
  );
});
