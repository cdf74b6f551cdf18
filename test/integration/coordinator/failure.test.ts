import { afterEach, describe, expect, it } from "vitest";
import { registerDemoJob } from "../../../src/demo/demo-job.js";
import {
  callAlloc,
  kvGet,
  kvPut,
  nomadAddr,
  runningAllocs,
  waitFor,
  waitForHealthyAllocs,
} from "../../helpers/cluster.js";
import { adopted, cleanUp, config, CoordinatorRun, recordOf, service } from "./harness.js";
import { startTraffic } from "./traffic.js";
import { LEADER_KEY } from "../../../src/state/kv-layout.js";
import { readHistory } from "../../helpers/history.js";

/** Issue 4, tests 3 and 4: a failing tag is reverted; a newer tag supersedes. */
describe("coordinator on real Consul and Nomad: failure and supersede", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function deployed(name: string, healthyDeadline = "1m") {
    cleanups.push(() => cleanUp(name));
    await kvPut(`configs/${name}/IMAGE_TAG`, "v1");
    await registerDemoJob(nomadAddr(), { id: name, service: name, count: 3, healthyDeadline });
    const allocs = await waitForHealthyAllocs(name, 3);
    const tagroll = new CoordinatorRun(config([service(name)], `${LEADER_KEY}-${name}`), name);
    cleanups.push(() => tagroll.stop());
    await adopted(name);
    return { allocs, tagroll };
  }

  it("3: a broken tag stops after the first allocation, is written back, restored, and nobody saw a failure", async () => {
    const name = "co-broken";
    const { allocs, tagroll } = await deployed(name, "12s");
    const traffic = startTraffic(name);
    await kvPut(`configs/${name}/IMAGE_TAG`, "v2-broken");
    await waitFor("revert", async () => tagroll.lastFinished(name), { timeoutMs: 120_000 });
    await waitForHealthyAllocs(name, 3);
    const seen = await traffic.stop();

    expect(tagroll.lastFinished(name)).toMatchObject({ status: "reverted", value: "v1" });
    expect(await kvGet(`configs/${name}/IMAGE_TAG`)).toBe("v1");
    // One allocation was moved (restarted for the broken tag, then restored); the other two never.
    const moved = tagroll.restarts.map((r) => r.allocId);
    expect(moved).toHaveLength(2);
    expect(moved[0]).toBe(moved[1]);
    const now = await runningAllocs(name);
    expect(now.map((a) => a.ID).sort()).toEqual(allocs.map((a) => a.ID).sort());
    for (const a of now) {
      expect(a.TaskStates?.app?.Restarts).toBe(a.ID === moved[0] ? 2 : 0);
      expect((await callAlloc(a.ID)).tag).toBe("v1");
    }
    expect(seen.failed, seen.errors.join("\n")).toBe(0);
    expect(seen.tags).toEqual(["v1"]);
    expect((await recordOf(name))?.status).toBe("reverted");
    const history = await readHistory(name);
    expect(history.at(-1)).toMatchObject({ kind: "revert", outcome: "reverted" });
  });

  it("4: a second tag while the first rollout runs supersedes it; every allocation ends on the second", async () => {
    const name = "co-supersede";
    const { tagroll } = await deployed(name);
    await kvPut(`configs/${name}/IMAGE_TAG`, "v2");
    await waitFor("first restart", async () => tagroll.restarts.length >= 1);
    await kvPut(`configs/${name}/IMAGE_TAG`, "v3");
    await waitFor("rollout of v3", async () => tagroll.finished(name, "v3"), { timeoutMs: 150_000 });

    expect(tagroll.finished(name, "v3")).toMatchObject({ status: "succeeded" });
    expect((await recordOf(name))?.superseded).toEqual(["v2"]);
    for (const a of await runningAllocs(name)) expect((await callAlloc(a.ID)).tag).toBe("v3");
    expect(tagroll.events.some((e) => e.event.type === "rollout-superseded")).toBe(true);
  });
});
