import { describe, expect, it } from "vitest";
import { CheckQueue } from "../../../../src/coordinator/nomad-events/index.js";
import { silentLogger } from "../fakes/harness.js";
import { VirtualClock } from "../fakes/virtual-clock.js";

function queue(busy: Set<string>) {
  const clock = new VirtualClock();
  const checks: Array<{ services: string[]; at: number }> = [];
  const stop = new AbortController();
  const q = new CheckQueue({
    debounceMs: 1_000,
    clock,
    logger: silentLogger,
    signal: stop.signal,
    busy: (service) => busy.has(service),
    check: async (services) => void checks.push({ services: [...services].sort(), at: clock.now() }),
  });
  return { clock, checks, stop, q, start: clock.now() };
}

describe("event-driven check queue", () => {
  it("coalesces a burst of events per service into one check", async () => {
    const h = queue(new Set());
    for (let i = 0; i < 100; i++) h.q.add(["web"]);
    h.q.add(["api", "web"]);
    await h.q.idle();
    expect(h.checks).toEqual([{ services: ["api", "web"], at: h.start + 1_000 }]);
    h.q.add(["web"]);
    await h.q.idle();
    expect(h.checks).toHaveLength(2);
  });

  it("checks a burst that goes on once per maxWait, the last check after its last event", async () => {
    const h = queue(new Set());
    for (let t = 0; t < 30_000; t += 500) {
      h.q.add(["web"]);
      await h.clock.sleep(500);
    }
    const lastEvent = h.clock.now() - 500 - h.start;
    await h.q.idle();
    expect(h.checks.map((c) => c.at - h.start)).toEqual([10_000, 20_000, 30_000]);
    expect(h.checks.at(-1)!.at - h.start).toBeGreaterThan(lastEvent);
  });

  it("holds a service back while its runner is busy, then checks it once", async () => {
    const busy = new Set(["web"]);
    const h = queue(busy);
    h.q.add(["web", "api"]);
    await h.clock.until(() => h.checks.length === 1);
    expect(h.checks[0]!.services).toEqual(["api"]);
    for (let i = 0; i < 5; i++) h.q.add(["web"]);
    await h.clock.sleep(10_000);
    expect(h.checks).toHaveLength(1);
    busy.delete("web");
    await h.q.idle();
    expect(h.checks.map((c) => c.services)).toEqual([["api"], ["web"]]);
  });

  it("checks nothing once the term has ended", async () => {
    const h = queue(new Set());
    h.q.add(["web"]);
    h.stop.abort(new Error("term over"));
    await h.q.idle();
    expect(h.checks).toEqual([]);
  });
});
