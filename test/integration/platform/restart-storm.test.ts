import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerDemoJob } from "../../../src/demo/demo-job.js";
import {
  callAlloc,
  kvDeleteTree,
  kvPut,
  nomadAddr,
  nomadJson,
  purgeJob,
  waitFor,
  waitForHealthyAllocs,
  type AllocSummary,
} from "../../helpers/cluster.js";

/**
 * (d) The problem tagroll exists to fix: with `change_mode = "restart"` a KV write restarts every
 * allocation of the job within a few seconds of each other (only the template splay apart).
 */
describe("template contract with change_mode = restart", () => {
  const job = "platform-restart";
  const service = "platform-restart";
  const key = `configs/${service}/IMAGE_TAG`;
  let allocs: AllocSummary[] = [];

  beforeAll(async () => {
    await kvPut(key, "v1");
    await registerDemoJob(nomadAddr(), { id: job, service, count: 3, changeMode: "restart" });
    allocs = await waitForHealthyAllocs(job, 3);
  });

  afterAll(async () => {
    await purgeJob(job);
    await kvDeleteTree(`configs/${service}`);
  });

  it("restarts all allocations at once", async () => {
    const written = Date.now();
    await kvPut(key, "v2");
    const restartedAt = await waitFor(
      "every allocation to restart",
      async () => {
        const times: number[] = [];
        for (const a of allocs) {
          const full = await nomadJson<{
            TaskStates: { app: { Restarts: number; LastRestart: string | null } };
          }>(`/v1/allocation/${a.ID}`);
          const state = full.TaskStates.app;
          if (state.Restarts < 1 || !state.LastRestart) return undefined;
          times.push(Date.parse(state.LastRestart));
        }
        return times;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    const spread = Math.max(...restartedAt) - Math.min(...restartedAt);
    const first = Math.min(...restartedAt) - written;
    console.log(
      `change_mode=restart: first restart ${first} ms after the KV write; spread across 3 allocations ${spread} ms`,
    );
    // Nomad spreads the change action only by the template splay (default 5 s).
    expect(spread).toBeLessThan(6_000);
    for (const a of allocs) {
      await waitFor("restarted allocation to serve v2", async () => (await callAlloc(a.ID)).tag === "v2");
    }
  });
});
