import { AgentClient } from "./agent-client.js";
import { withBenchCluster, type BenchCluster } from "./bench-cluster.js";
import { median, ms, type Benchmark, type BenchResult } from "./bench-result.js";
import { startTagrollFor } from "./bench-tagroll.js";
import { sleep, waitFor } from "../helpers/cluster.js";

const TRIALS = 5;
const COUNT = 3;
/** Short rollouts (all three at once, 1 s healthy): only the first restart matters here. */
const JOB = { count: COUNT, maxParallel: COUNT, minHealthyTime: "1s" };

/** Benchmark 3: KV write → tagroll's first restart request, and Nomad's own template path. */
export const reactionBenchmark: Benchmark = {
  id: "reaction",
  title: "3. Reaction: KV write → first restart",
  run: async ({ say }) =>
    withBenchCluster("reaction", say, async (cluster): Promise<BenchResult> => {
      const tagroll = await measureTagroll(cluster, say);
      const nomad = await measureNomadTemplate(cluster, say);
      const row = (label: string, values: number[]) => [
        label,
        ms(median(values)),
        ms(Math.min(...values)),
        ms(Math.max(...values)),
        `${values.length}`,
      ];
      return {
        table: {
          headers: ["path: KV write → …", "median (ms)", "min (ms)", "max (ms)", "trials"],
          rows: [
            row("tagroll: rollout started (coordinator event)", tagroll.started),
            row(
              "tagroll: new value seen rendered in the first allocation (`draining` step)",
              tagroll.rendered,
            ),
            row("tagroll: first restart request issued (restartAllocation call)", tagroll.firstRestart),
            row("tagroll: first task restart recorded by Nomad (LastRestart)", tagroll.firstLastRestart),
            row('Nomad template `change_mode = "restart"`: first task restart (LastRestart)', nomad.first),
            row('Nomad template `change_mode = "restart"`: last of the 3 task restarts', nomad.last),
          ],
        },
        notes: [
          `${TRIALS} trials per path, each a new tag written with a plain \`PUT /v1/kv/configs/<service>/IMAGE_TAG\`; ` +
            "time 0 is just before the PUT is sent. The demo job: count 3, template " +
            '`wait { min = "500ms" max = "2s" }`, Nomad\'s default `splay = "5s"`; for tagroll `change_mode = "noop"`, ' +
            "max_parallel 3 (so a trial is short; only the first restart is measured).",
          "Rollout started: the coordinator's `rollout-started` event (its blocking query returned and it decided to " +
            "roll out): tagroll's reaction. Then its first step waits until the allocation's rendered env file holds " +
            "the new value (the `draining` row: how long Nomad's template runner took to re-render it), " +
            "then it drains the allocation — puts its Consul service into maintenance and waits the job's own " +
            '`shutdown_delay = "2s"`, because Nomad 1.11.3 does not apply shutdown_delay to a restart — and only ' +
            "then issues the restart request (the moment tagroll calls `restartAllocation`, timed through " +
            "`RuntimeOptions.wrapNomad`). So KV write → first restart request is reaction + Nomad's render + the " +
            "job's shutdown_delay, by design; Nomad's own path restarts without taking the instance out of " +
            "rotation first (see the downtime benchmark). The target (BENCHMARKS.md) is the reaction: well under 100 ms.",
          "Nomad's path: `LastRestart` of the task from `/v1/allocation/:id` (set by the Nomad client when it " +
            "signals the restart), after the template's wait and a random splay of up to 5 s.",
        ],
      };
    }),
};

async function measureTagroll(cluster: BenchCluster, say: (line: string) => void) {
  const client = new AgentClient(cluster.consulAddr, cluster.nomadAddr);
  const name = "react-tagroll";
  await client.deployDemo(name, "v0", { changeMode: "noop", ...JOB });
  const tagroll = await startTagrollFor(cluster, name);
  const started: number[] = [];
  const rendered: number[] = [];
  const firstRestart: number[] = [];
  const firstLastRestart: number[] = [];
  try {
    await tagroll.settled(name, "v0");
    for (let trial = 1; trial <= TRIALS; trial++) {
      const tag = `v${trial}`;
      const writtenAt = Date.now();
      await client.kvPut(`configs/${name}/IMAGE_TAG`, tag);
      await tagroll.finished(name, tag);
      const start = tagroll.events.find((e) => e.event.type === "rollout-started" && e.event.value === tag);
      const restart = tagroll.restarts.find((r) => r.at >= writtenAt);
      if (!start || !restart) throw new Error(`trial ${trial}: no rollout-started event or restart request`);
      started.push(start.event.at - writtenAt);
      // Entering `draining` means the first allocation's rendered file was seen holding the value.
      const drain = tagroll.events.find(
        (e) => e.event.type === "alloc-step" && e.event.value === tag && e.event.step === "draining",
      );
      if (drain) rendered.push(drain.event.at - writtenAt);
      firstRestart.push(restart.at - writtenAt);
      const alloc = await client.allocation(restart.allocId);
      firstLastRestart.push(Date.parse(alloc.TaskStates?.app?.LastRestart ?? "") - writtenAt);
      say(
        `tagroll trial ${trial}: started +${started.at(-1)} ms, first restart request +${firstRestart.at(-1)} ms`,
      );
      await client.waitForHealthyAllocs(name, COUNT);
    }
  } finally {
    await tagroll.close();
    await client.purgeJob(name);
  }
  return { started, rendered, firstRestart, firstLastRestart };
}

async function measureNomadTemplate(cluster: BenchCluster, say: (line: string) => void) {
  const client = new AgentClient(cluster.consulAddr, cluster.nomadAddr);
  const name = "react-nomad";
  await client.deployDemo(name, "v0", { changeMode: "restart", ...JOB });
  const first: number[] = [];
  const last: number[] = [];
  try {
    for (let trial = 1; trial <= TRIALS; trial++) {
      const writtenAt = Date.now();
      await client.kvPut(`configs/${name}/IMAGE_TAG`, `v${trial}`);
      const restarts = await waitFor(
        "every task to restart",
        async () => {
          const allocs = await client.runningAllocs(name);
          const times = allocs.map((a) => Date.parse(a.TaskStates?.app?.LastRestart ?? "") || 0);
          return times.length === COUNT && times.every((t) => t >= writtenAt) ? times : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 100 },
      );
      first.push(Math.min(...restarts) - writtenAt);
      last.push(Math.max(...restarts) - writtenAt);
      say(`nomad trial ${trial}: first restart +${first.at(-1)} ms, last +${last.at(-1)} ms`);
      await client.waitForTag(name, COUNT, `v${trial}`);
      await sleep(1_000);
    }
  } finally {
    await client.purgeJob(name);
  }
  return { first, last };
}
