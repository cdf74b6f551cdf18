import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerDemoJob } from "../../../src/demo/demo-job.js";
import {
  callAlloc,
  kvDeleteTree,
  kvPut,
  nomadAddr,
  purgeJob,
  readAllocFile,
  restartAlloc,
  runningAllocs,
  sleep,
  waitFor,
  waitForHealthyAllocs,
  type AllocSummary,
} from "../../helpers/cluster.js";

/**
 * Platform facts tagroll is built on (README, "The problem" and "The Nomad job contract"), checked on the real agents with the
 * demo job: `env = true` + `change_mode = "noop"` + `restart { render_templates = true }`.
 */
describe("template contract with change_mode = noop", () => {
  const job = "platform-noop";
  const service = "platform-noop";
  const key = `configs/${service}/IMAGE_TAG`;
  let allocs: AllocSummary[] = [];

  beforeAll(async () => {
    await kvPut(key, "v1");
    await registerDemoJob(nomadAddr(), { id: job, service, count: 3 });
    allocs = await waitForHealthyAllocs(job, 3);
    for (const a of allocs) expect((await callAlloc(a.ID)).tag).toBe("v1");
  });

  afterAll(async () => {
    await purgeJob(job);
    await kvDeleteTree(`configs/${service}`);
  });

  it("(a) a KV write re-renders the template in every allocation, (b) without restarting any task", async () => {
    const before = new Map<string, number>();
    for (const a of allocs) before.set(a.ID, (await callAlloc(a.ID)).pid);

    const written = Date.now();
    await kvPut(key, "v2");
    const renderedAfter: number[] = [];
    for (const a of allocs) {
      await waitFor(
        `re-render in ${a.ID}`,
        async () => (await readAllocFile(a.ID, "app/local/env")).includes("IMAGE_TAG=v2"),
        {
          timeoutMs: 30_000,
          intervalMs: 100,
        },
      );
      renderedAfter.push(Date.now() - written);
    }
    console.log(`re-rendered in every allocation within ${Math.max(...renderedAfter)} ms of the KV write`);

    // Give a restart, had one been triggered, time to happen (splay is 5 s by default).
    await sleep(7_000);
    const now = await runningAllocs(job);
    expect(now.map((a) => a.ID).sort()).toEqual(allocs.map((a) => a.ID).sort());
    for (const a of now) {
      expect(a.TaskStates?.app?.Restarts).toBe(0);
      const served = await callAlloc(a.ID);
      expect(served.pid).toBe(before.get(a.ID));
      // The process keeps the environment it started with until something restarts it.
      expect(served.tag).toBe("v1");
    }
  });

  it("(c) restarting one allocation makes it serve the new tag while the others serve the old one", async () => {
    const [first, ...others] = allocs as [AllocSummary, ...AllocSummary[]];
    const oldPid = (await callAlloc(first.ID)).pid;
    await restartAlloc(first.ID);
    const served = await waitFor(
      "restarted allocation to serve again",
      async () => {
        const s = await callAlloc(first.ID);
        return s.pid !== oldPid ? s : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(served.tag).toBe("v2");
    for (const a of others) expect((await callAlloc(a.ID)).tag).toBe("v1");
    expect(await readAllocFile(first.ID, "app/local/env")).toContain("IMAGE_TAG=v2");
  });
});
