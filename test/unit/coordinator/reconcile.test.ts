import { afterEach, describe, expect, it } from "vitest";
import type { RolloutRecord } from "../../../src/coordinator/model/rollout-record.js";
import { rolloutKey } from "../../../src/state/kv-layout.js";
import { Harness, serviceConfig } from "./fakes/harness.js";

const KEY = "configs/web/IMAGE_TAG";

describe("reconcile sweep", () => {
  let h: Harness;
  afterEach(async () => {
    await h.stopAll();
  });

  it("reports drift, resumes a rollout nobody drives, expires deliveries — only on the leader", async () => {
    h = new Harness();
    await h.put(KEY, "v1");
    h.nomad.addJob({ id: "web", service: "web", count: 3, meta: { tagroll_service: "web" } });
    const expired: number[] = [];
    const deliveries = { expire: async (ms: number) => (expired.push(ms), 2) };
    let scheduled = "";
    const coordinator = h.coordinator([serviceConfig("web")], {
      deliveries,
      scheduler: (expr) => ((scheduled = expr), { stop: () => undefined }),
    });
    expect(scheduled).toBe("* * * * *");
    await h.finished("web", "v1");

    const [drifting] = h.nomad.live("web");
    h.nomad.fileOverride.set(drifting!.id, "IMAGE_TAG=v0\n");
    const first = await coordinator.reconcile();
    expect(first?.drift).toEqual([{ service: "web", allocId: drifting!.id, desired: "v1", rendered: "v0" }]);
    expect(first?.expiredDeliveries).toBe(2);
    expect(expired).toEqual([86_400_000]);
    expect(h.events).toContainEqual(expect.objectContaining({ type: "drift", allocId: drifting!.id }));
    h.nomad.fileOverride.clear();

    // A rollout left `running` behind the runner's back (e.g. written by an older leader).
    const stuck = {
      ...(h.record("web") as RolloutRecord),
      id: "stuck",
      kind: "restart",
      status: "running",
      allocs: [],
    };
    await h.put(rolloutKey("web"), JSON.stringify(stuck));
    const second = await coordinator.reconcile();
    expect(second?.resumed).toEqual(["web"]);
    await h.finished("web", "v1");
    expect(h.record("web")?.id).toBe("stuck");
    expect(h.nomad.restarts).toHaveLength(3);

    const follower = h.coordinator([serviceConfig("web")], { instanceId: "follower" });
    expect(await follower.reconcile()).toBeUndefined();
  });
});
