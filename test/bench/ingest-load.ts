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
  /**
   * Open loop: send this many requests per second on schedule, round-robin over the targets,
   * whatever the answers take; latency counts from the scheduled send time, so a stall is not
   * hidden by the client waiting (no coordinated omission). Without it: one closed loop per target.
   */
  ratePerSecond?: number;
}

export interface LoadResult {
  type: "done";
  count: number;
  elapsedMs: number;
  latenciesMs: number[];
  statuses: Record<string, number>;
  next: number;
  /** Every answer from the end of the warm-up (the "measuring" message) on, in-flight ones at the end included. */
  answered: number;
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const pools = new Map<string, Pool>();
  for (const t of spec.targets) {
    const connections = spec.ratePerSecond ? 64 : spec.targets.filter((o) => o.origin === t.origin).length;
    if (!pools.has(t.origin)) pools.set(t.origin, new Pool(t.origin, { connections, pipelining: 1 }));
  }
  let n = spec.startAt;
  let answered = 0;
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const start = performance.now();
  const measureFrom = start + spec.warmupMs;
  const end = measureFrom + spec.durationMs;
  // Tells the parent the warm-up is over, so it can read the server's CPU time from here on.
  let answeredBefore = 0;
  const measuring = setTimeout(() => {
    answeredBefore = answered;
    process.send?.({ type: "measuring" });
  }, spec.warmupMs);
  /** One request; `from` is when it was due (open loop) or sent (closed loop). */
  const send = async (t: LoadTarget, from: number) => {
    const pool = pools.get(t.origin) as Pool;
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
    answered++;
    if (from >= measureFrom && performance.now() <= end) {
      latencies.push(performance.now() - from);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  if (spec.ratePerSecond) {
    const interval = 1000 / spec.ratePerSecond;
    const inFlight = new Set<Promise<void>>();
    for (let i = 0; start + i * interval < end; i++) {
      const due = start + i * interval;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const request = send(spec.targets[i % spec.targets.length] as LoadTarget, due);
      inFlight.add(request);
      void request.finally(() => inFlight.delete(request));
    }
    await Promise.all(inFlight);
  } else {
    const loop = async (t: LoadTarget) => {
      while (performance.now() < end) await send(t, performance.now());
    };
    await Promise.all(spec.targets.map(loop));
  }
  clearTimeout(measuring);
  await Promise.all([...pools.values()].map((p) => p.close()));
  return {
    type: "done",
    count: latencies.length,
    elapsedMs: spec.durationMs,
    latenciesMs: latencies,
    statuses,
    next: n,
    answered: answered - answeredBefore,
  };
}

process.on("message", (message: { type: string; spec: LoadSpec }) => {
  if (message.type !== "run") return;
  runLoad(message.spec).then(
    (result) => process.send?.(result),
    (err: Error) => process.send?.({ type: "error", error: err.message }),
  );
});
