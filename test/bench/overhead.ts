import type { NomadAllocation } from "../../src/nomad/nomad-api.js";
import { AgentClient } from "./agent-client.js";
import { withBenchCluster, type BenchCluster } from "./bench-cluster.js";
import { ms, type Benchmark, type BenchResult } from "./bench-result.js";
import { startTagrollFor } from "./bench-tagroll.js";
import { STEPS, stepBreakdown } from "./step-breakdown.js";

const MIN_HEALTHY_MS = 2_000;
/** The demo job's group `shutdown_delay`, which Nomad waits inside each whole-allocation restart. */
const SHUTDOWN_DELAY_MS = 2_000;
const SHAPES = [
  { count: 3, maxParallel: 1 },
  { count: 4, maxParallel: 2 },
];
const TRIALS = 2;

/** Benchmark 4: a rollout's measured duration against ceil(N / max_parallel) × (restart + min_healthy_time). */
export const overheadBenchmark: Benchmark = {
  id: "overhead",
  title: "4. Rollout overhead against its floor",
  run: async ({ say }) =>
    withBenchCluster("overhead", say, async (cluster): Promise<BenchResult> => {
      const rows: string[][] = [];
      for (const shape of SHAPES) rows.push(...(await measureShape(cluster, shape, say)));
      return {
        table: {
          headers: [
            "N",
            "max_parallel",
            "trial",
            "rollout (ms)",
            "restart, mean (ms)",
            "floor (ms)",
            "rollout / floor",
            "floor + shutdown_delay (ms)",
            "rollout / that",
            "per allocation, mean ms: rendering / draining / restarting / health",
          ],
          rows,
        },
        notes: [
          "Rollout: from the coordinator's `rollout-started` event to its `rollout-finished` event for the new value " +
            '(tagroll in-process, defaults from the job\'s own update block: `min_healthy_time = "2s"`).',
          "Restart time, measured per restarted allocation from Nomad's task events: `Restart Signaled` → the next " +
            "`Started` (kill and start of the process; Nomad emits `Restart Signaled` after its group hook has " +
            "deregistered the service and waited the group `shutdown_delay`, so this excludes the delay).",
          "Floor = ceil(N / max_parallel) × (mean restart time + min_healthy_time), as the issue defines it. tagroll " +
            'also has Nomad wait the group `shutdown_delay = "2s"` per batch while the allocation is out of rotation ' +
            "(its service deregistered before the task is stopped — what keeps the downtime benchmark at zero), so " +
            "the second floor adds it.",
          "Per-allocation breakdown from the coordinator's `alloc-step` events (time from entering a step to " +
            "entering the next): rendering = waiting until the allocation's rendered env file holds the new value " +
            "(Nomad's re-render and tagroll's polling; near zero after the first batch); draining = Consul maintenance + " +
            "shutdown_delay, absent for this group-level service; restarting = restart request (which includes " +
            "Nomad's shutdown_delay) until the task runs again; health = until the Consul HTTP check (every " +
            "1 s) passes and has stayed passing for min_healthy_time.",
        ],
      };
    }),
};

async function measureShape(
  cluster: BenchCluster,
  shape: { count: number; maxParallel: number },
  say: (line: string) => void,
): Promise<string[][]> {
  const client = new AgentClient(cluster.consulAddr, cluster.nomadAddr);
  const name = `oh-${shape.count}-${shape.maxParallel}`;
  await client.deployDemo(name, "v0", {
    changeMode: "noop",
    count: shape.count,
    maxParallel: shape.maxParallel,
    minHealthyTime: `${MIN_HEALTHY_MS}ms`,
  });
  const tagroll = await startTagrollFor(cluster, name);
  const rows: string[][] = [];
  try {
    await tagroll.settled(name, "v0");
    for (let trial = 1; trial <= TRIALS; trial++) {
      const tag = `v${trial}`;
      const firstCall = tagroll.restarts.length;
      await client.kvPut(`configs/${name}/IMAGE_TAG`, tag);
      const finished = await tagroll.finished(name, tag);
      const started = tagroll.events.find((e) => e.event.type === "rollout-started" && e.event.value === tag);
      if (!started || finished.event.type !== "rollout-finished" || finished.event.status !== "succeeded") {
        throw new Error(`rollout of ${name} to ${tag} did not succeed`);
      }
      const calls = tagroll.restarts.slice(firstCall);
      const restarts = await Promise.all(
        calls.map(async (c) => restartTime(await client.allocation(c.allocId), c.at)),
      );
      const restartMs = restarts.reduce((a, b) => a + b, 0) / restarts.length;
      const rolloutMs = finished.event.at - started.event.at;
      const batches = Math.ceil(shape.count / shape.maxParallel);
      const floorMs = batches * (restartMs + MIN_HEALTHY_MS);
      const drainedFloorMs = batches * (restartMs + SHUTDOWN_DELAY_MS + MIN_HEALTHY_MS);
      const steps = stepBreakdown(tagroll.events, tag);
      say(`${name} trial ${trial}: rollout ${rolloutMs} ms, floor ${Math.round(floorMs)} ms`);
      rows.push([
        `${shape.count}`,
        `${shape.maxParallel}`,
        `${trial}`,
        ms(rolloutMs),
        ms(restartMs),
        ms(floorMs),
        (rolloutMs / floorMs).toFixed(2),
        ms(drainedFloorMs),
        (rolloutMs / drainedFloorMs).toFixed(2),
        STEPS.slice(0, 4)
          .map((step) => ms(steps.get(step) ?? NaN))
          .join(" / "),
      ]);
      await client.waitForHealthyAllocs(name, shape.count);
    }
  } finally {
    await tagroll.close();
    await client.purgeJob(name);
  }
  return rows;
}

/** `Restart Signaled` (at or after the request) → the next `Started`, from the task's own events. */
function restartTime(alloc: NomadAllocation, requestedAt: number): number {
  const events = alloc.TaskStates?.app?.Events ?? [];
  const toMs = (ns: number) => ns / 1e6;
  const signaled = events.find((e) => e.Type === "Restart Signaled" && toMs(e.Time) >= requestedAt - 1_000);
  const started = signaled && events.find((e) => e.Type === "Started" && e.Time > signaled.Time);
  if (!signaled || !started) throw new Error(`allocation ${alloc.ID}: no Restart Signaled → Started events`);
  return toMs(started.Time - signaled.Time);
}
