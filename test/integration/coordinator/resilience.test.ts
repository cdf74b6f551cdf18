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
import { TcpProxy } from "../ingress/tcp-proxy.js";
import { CoordinatorProcess } from "./process-run.js";
import { LEADER_KEY } from "../../../src/state/kv-layout.js";

/** Issue 4, tests 5, 6 and 7: crash, leader failover, Nomad unreachable. */
describe("coordinator on real Consul and Nomad: resilience", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function deployed(name: string) {
    cleanups.push(() => cleanUp(name));
    await kvPut(`configs/${name}/IMAGE_TAG`, "v1");
    await registerDemoJob(nomadAddr(), { id: name, service: name, count: 3 });
    return waitForHealthyAllocs(name, 3);
  }

  function spawnCoordinator(name: string, instance: string): CoordinatorProcess {
    const child = new CoordinatorProcess(service(name), `${LEADER_KEY}-${name}`, instance);
    cleanups.push(() => child.stop());
    return child;
  }

  /** Every allocation restarted exactly once (Nomad's own count) and serving `tag`. */
  async function expectEachRestartedOnce(name: string, ids: string[], tag: string) {
    const now = await runningAllocs(name);
    expect(now.map((a) => a.ID).sort()).toEqual([...ids].sort());
    for (const a of now) {
      expect(a.TaskStates?.app?.Restarts).toBe(1);
      expect((await callAlloc(a.ID)).tag).toBe(tag);
    }
  }

  it("5: SIGKILL mid-rollout, start again: it resumes, restarts nothing twice, ends on the new tag", async () => {
    const name = "co-crash";
    const allocs = await deployed(name);
    const first = spawnCoordinator(name, "co-crash-1");
    await adopted(name);
    await kvPut(`configs/${name}/IMAGE_TAG`, "v2");
    // Mid-rollout: the first allocation restarted and in its health gate, the others not yet.
    await waitFor(
      "first allocation in its health gate",
      async () => first.events.some((e) => e.event.type === "alloc-step" && e.event.step === "health"),
      { timeoutMs: 30_000 },
    );
    first.kill("SIGKILL");
    await first.exited;
    expect((await recordOf(name))?.status).toBe("running");

    const second = spawnCoordinator(name, "co-crash-2");
    await waitFor(
      "resumed rollout to finish",
      async () => ((await recordOf(name))?.status === "succeeded" ? true : undefined),
      {
        timeoutMs: 150_000,
      },
    );
    expect(second.events.some((e) => e.event.type === "rollout-started" && e.event.resumed)).toBe(true);
    expect(first.restarts).toHaveLength(1);
    expect(second.restarts.map((r) => r.allocId)).not.toContain(first.restarts[0]?.allocId);
    await expectEachRestartedOnce(
      name,
      allocs.map((a) => a.ID),
      "v2",
    );
  });

  it("6: two instances, only the leader restarts; kill it mid-rollout and the other completes within ~2 TTLs", async () => {
    const name = "co-ha";
    const allocs = await deployed(name);
    const a = spawnCoordinator(name, "co-ha-a");
    const b = spawnCoordinator(name, "co-ha-b");
    await adopted(name);
    const holder = JSON.parse((await kvGet(`${LEADER_KEY}-${name}`)) ?? "{}") as { instance?: string };
    const [leader, follower] = holder.instance === "co-ha-a" ? [a, b] : [b, a];
    await kvPut(`configs/${name}/IMAGE_TAG`, "v2");
    await waitFor("first restart", async () => leader.restarts.length >= 1, { timeoutMs: 30_000 });
    expect(follower.restarts).toEqual([]);
    const killedAt = Date.now();
    leader.kill("SIGKILL");
    await leader.exited;

    const resumed = await waitFor(
      "the follower to take over",
      async () => follower.events.find((e) => e.event.type === "rollout-started" && e.event.resumed),
      { timeoutMs: 60_000 },
    );
    const takeover = resumed.wall - killedAt;
    await waitFor(
      "rollout to finish",
      async () => ((await recordOf(name))?.status === "succeeded" ? true : undefined),
      {
        timeoutMs: 150_000,
      },
    );
    console.log(
      `[measure] leader SIGKILLed; follower resumed the rollout ${takeover} ms later (session TTL 10 s)`,
    );
    // Consul reaps a TTL session between 1× and 2× its TTL; then lock-delay (1 s).
    expect(takeover).toBeLessThan(2 * 10_000 + 5_000);
    await expectEachRestartedOnce(
      name,
      allocs.map((x) => x.ID),
      "v2",
    );
  });

  it("7: Nomad unreachable mid-rollout: backs off, resumes, no duplicate restart", async () => {
    const name = "co-nomad-down";
    const allocs = await deployed(name);
    // The ingress tests' loopback proxy, here in front of Nomad.
    const proxy = await TcpProxy.start(nomadAddr());
    cleanups.push(() => proxy.close());
    const tagroll = new CoordinatorRun(config([service(name)], `${LEADER_KEY}-${name}`, proxy.url), name);
    cleanups.push(() => tagroll.stop());
    await adopted(name);
    await kvPut(`configs/${name}/IMAGE_TAG`, "v2");
    await waitFor("first restart", async () => tagroll.restarts.length >= 1, { timeoutMs: 30_000 });
    await proxy.pause();
    await new Promise((r) => setTimeout(r, 8_000));
    const duringOutage = tagroll.restarts.length;
    await proxy.resume();
    await waitFor("rollout of v2", async () => tagroll.finished(name, "v2"), { timeoutMs: 150_000 });

    expect(duringOutage).toBe(1);
    expect(tagroll.finished(name, "v2")).toMatchObject({ status: "succeeded" });
    // A request cut by the outage may be sent again, but only after a failed one and only when
    // Nomad shows no sign of the first (it may never have reached Nomad): never two answered
    // requests for one allocation. Nomad's own restart counts, checked next, are the final word.
    const ids = allocs.map((x) => x.ID).sort();
    expect([...new Set(tagroll.restarts.map((r) => r.allocId))].sort()).toEqual(ids);
    for (const id of ids) {
      expect(tagroll.restarts.filter((r) => r.allocId === id && r.ok === true).length).toBeLessThanOrEqual(1);
    }
    await expectEachRestartedOnce(
      name,
      allocs.map((x) => x.ID),
      "v2",
    );
  });
});
