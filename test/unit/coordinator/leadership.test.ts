import { afterEach, describe, expect, it } from "vitest";
import { UpstreamUnavailableError } from "../../../src/core/errors.js";
import type { KvStore } from "../../../src/kv/kv-store.js";
import type { NomadApi } from "../../../src/nomad/nomad-api.js";
import type { RolloutRecord } from "../../../src/coordinator/model/rollout-record.js";
import { taskMarks } from "../../../src/coordinator/steps/restart-alloc.js";
import { Harness, serviceConfig } from "./fakes/harness.js";
import { LEADER_KEY, rolloutKey } from "../../../src/state/kv-layout.js";

const KEY = "configs/web/IMAGE_TAG";

/** The fake Nomad as one instance sees it: records which instance issued each restart. */
function as(h: Harness, name: string, log: Array<{ by: string; allocId: string; at: number }>): NomadApi {
  return new Proxy(h.nomad, {
    get(target, prop, receiver) {
      if (prop === "restartAllocation") {
        return (allocId: string, task?: string) => {
          log.push({ by: name, allocId, at: h.clock.now() });
          return target.restartAllocation(allocId, task);
        };
      }
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** The fake Consul as one instance reaches it; `cut.on` partitions that instance away. */
function partitionable(h: Harness, cut: { on: boolean }): KvStore {
  return new Proxy(h.kv, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) =>
        cut.on
          ? Promise.reject(new UpstreamUnavailableError("consul", "partitioned"))
          : (value as (...a: unknown[]) => unknown).apply(target, args);
    },
  });
}

async function setup(count = 3): Promise<Harness> {
  const h = new Harness();
  await h.put(KEY, "v1");
  h.nomad.addJob({ id: "web", service: "web", count, meta: { tagroll_service: "web" } });
  return h;
}

describe("leadership", () => {
  let h: Harness;
  afterEach(async () => {
    await h.stopAll();
  });

  it("exactly one of two instances leads, and only the leader restarts anything", async () => {
    h = await setup();
    const log: Array<{ by: string; allocId: string; at: number }> = [];
    const a = h.coordinator([serviceConfig("web")], { instanceId: "a", nomad: as(h, "a", log) });
    const b = h.coordinator([serviceConfig("web")], { instanceId: "b", nomad: as(h, "b", log) });
    await h.clock.until(() => a.isLeader() || b.isLeader());
    await h.finished("web", "v1");
    expect([a.isLeader(), b.isLeader()].filter(Boolean)).toHaveLength(1);
    await h.put(KEY, "v2");
    await h.finished("web", "v2");
    const leader = a.isLeader() ? "a" : "b";
    expect(log.map((r) => r.by)).toEqual([leader, leader, leader]);
  });

  it("a leader cut off from Consul stops restarting; the next leader resumes without double restarts", async () => {
    h = await setup();
    const log: Array<{ by: string; allocId: string; at: number }> = [];
    const cut = { on: false };
    const a = h.coordinator([serviceConfig("web")], {
      instanceId: "a",
      nomad: as(h, "a", log),
      kv: partitionable(h, cut),
    });
    await h.clock.until(() => a.isLeader());
    await h.finished("web", "v1");
    await h.put(KEY, "v2");
    await h.clock.until(() => log.length === 1);
    // A is partitioned from Consul, which then reaps A's session and releases its locks.
    const session = (await h.kv.get(LEADER_KEY))?.session as string;
    const lostAt = h.clock.now();
    cut.on = true;
    h.kv.expireSession(session);
    await h.clock.until(() => !a.isLeader(), 16_000);
    await h.clock.sleep(120_000);
    expect(log.filter((r) => r.at >= lostAt)).toEqual([]);
    expect(h.record("web")?.status).toBe("running");

    const b = h.coordinator([serviceConfig("web")], { instanceId: "b", nomad: as(h, "b", log) });
    await h.clock.until(() => a.isLeader() || b.isLeader());
    const record = await h.finished("web", "v2");
    expect(record.status).toBe("succeeded");
    expect(h.nomad.served("web")).toEqual(["v2", "v2", "v2"]);
    const ids = log.map((r) => r.allocId);
    expect(new Set(ids).size).toBe(3);
    expect(ids).toHaveLength(3);
  });

  it("resume after a crash: a restart recorded but never sent is sent once; one already sent is not repeated", async () => {
    for (const alreadySent of [false, true]) {
      h = await setup();
      await h.put(KEY, "v2");
      const allocs = await h.nomad.jobAllocations("web");
      const now = h.clock.now();
      const first = allocs[0]!;
      const record: RolloutRecord = {
        version: 1,
        id: "r-crashed",
        service: "web",
        key: KEY,
        kind: "deploy",
        value: "v2",
        previousValue: "v1",
        status: "running",
        superseded: [],
        startedAt: now,
        updatedAt: now,
        allocs: allocs.map((a) => ({
          allocId: a.ID,
          name: a.Name,
          jobId: a.JobID,
          namespace: a.Namespace,
          group: a.TaskGroup,
          state: "pending" as const,
          updatedAt: now,
        })),
      };
      Object.assign(record.allocs[0]!, {
        state: "restarting",
        restartedFor: "v2",
        restartedAt: now,
        marks: taskMarks(first, ["app"]),
      });
      await h.put(rolloutKey("web"), JSON.stringify(record));
      if (alreadySent) await h.nomad.restartAllocation(first.ID, "app");

      h.coordinator([serviceConfig("web")]);
      const done = await h.finished("web", "v2");
      expect(done.status).toBe("succeeded");
      const restarts = h.nomad.restarts.map((r) => r.allocId);
      expect(restarts.filter((id) => id === first.ID)).toHaveLength(1);
      expect(new Set(restarts).size).toBe(3);
      expect(h.nomad.served("web")).toEqual(["v2", "v2", "v2"]);
      await h.stopAll();
    }
  });

  it("a follower waits on the lock with a blocking query instead of polling, even next to sibling keys", async () => {
    h = await setup();
    const a = h.coordinator([serviceConfig("web")], { instanceId: "a" });
    await h.clock.until(() => a.isLeader());
    await h.put(`${LEADER_KEY}-old`, "x");
    h.coordinator([serviceConfig("web")], { instanceId: "b" });
    const before = h.kv.calls.filter((c) => c === `acquire ${LEADER_KEY}`).length;
    await h.clock.sleep(60_000);
    const attempts = h.kv.calls.filter((c) => c === `acquire ${LEADER_KEY}`).length - before;
    // One attempt per blocking wait of TTL/3 (5 s), not a spin.
    expect(attempts).toBeGreaterThan(2);
    expect(attempts).toBeLessThanOrEqual(14);
  });

  it("stop() releases the leader key and destroys the session", async () => {
    h = await setup();
    const a = h.coordinator([serviceConfig("web")], { instanceId: "a" });
    await h.clock.until(() => a.isLeader());
    await h.finished("web", "v1");
    const session = (await h.kv.get(LEADER_KEY))?.session as string;
    expect((await h.kv.get(rolloutKey("web")))?.session).toBe(session);
    await a.stop();
    expect((await h.kv.get(LEADER_KEY))?.session).toBeUndefined();
    expect((await h.kv.get(rolloutKey("web")))?.session).toBeUndefined();
    expect(await h.kv.renewSession(session)).toBe(false);
  });
});
