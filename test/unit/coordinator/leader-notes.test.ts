import { describe, expect, it } from "vitest";
import { LeaderElection } from "../../../src/coordinator/leader/index.js";
import { FakeKvStore } from "../../helpers/fake-kv-store.js";
import { silentLogger } from "./fakes/harness.js";
import { VirtualClock } from "./fakes/virtual-clock.js";

const KEY = "tagroll/leader";

function election(kv: FakeKvStore, clock: VirtualClock, instanceId: string): LeaderElection {
  return new LeaderElection({ kv, clock, logger: silentLogger, key: KEY, ttl: "15s", instanceId });
}

/** What `tagroll status` reads from the key (src/operations/operations.ts parseLeader). */
async function keyValue(kv: FakeKvStore): Promise<Record<string, unknown>> {
  return JSON.parse((await kv.get(KEY))?.value ?? "{}") as Record<string, unknown>;
}

describe("leader notes", () => {
  it("writes what the leader notes into the key it holds, the last note winning; a new term starts clean", async () => {
    const clock = new VirtualClock();
    const kv = new FakeKvStore(clock);
    const a = election(kv, clock, "a");
    const stopA = new AbortController();
    let leading = false;
    const running = a.run(async (term) => {
      leading = true;
      await new Promise((resolve) => term.signal.addEventListener("abort", resolve));
    }, stopA.signal);
    await clock.until(() => leading);
    const session = (await kv.get(KEY))?.session;

    const refused = { state: "refused", reason: "HTTP 403 Permission denied" };
    await Promise.all([a.note({ nomadEvents: { state: "connected" } }), a.note({ nomadEvents: refused })]);
    expect(await keyValue(kv)).toEqual(expect.objectContaining({ instance: "a", nomadEvents: refused }));
    // Still held by the same session: a note never lets go of the lock.
    expect((await kv.get(KEY))?.session).toBe(session);

    stopA.abort();
    await running;
    // The same instance winning again: its notes were for the term that ended.
    const b = a;
    const stopB = new AbortController();
    let bLeads = false;
    const runningB = b.run(async (term) => {
      bLeads = true;
      await new Promise((resolve) => term.signal.addEventListener("abort", resolve));
    }, stopB.signal);
    await clock.until(() => bLeads);
    expect(await keyValue(kv)).not.toHaveProperty("nomadEvents");
    stopB.abort();
    await runningB;
  });

  it("does not write a note while it does not lead", async () => {
    const clock = new VirtualClock();
    const kv = new FakeKvStore(clock);
    await election(kv, clock, "a").note({ nomadEvents: { state: "connected" } });
    expect(await kv.get(KEY)).toBeUndefined();
  });
});
