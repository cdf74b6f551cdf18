import { describe, expect, it } from "vitest";
import { spacedLookUps } from "../../../../src/coordinator/nomad-events/follow-nomad-events.js";
import { VirtualClock } from "../fakes/virtual-clock.js";

/** The look-up after a reconnect lists the whole cluster's allocations: at most one per interval. */
describe("look-ups after a reconnect, spaced", () => {
  it("runs the first at once, folds the calls inside the interval into one from the oldest index", async () => {
    const clock = new VirtualClock();
    const start = clock.now();
    const ran: Array<{ since: number; at: number }> = [];
    const lookUp = spacedLookUps(clock, new AbortController().signal, 30_000, async (since) => {
      ran.push({ since, at: clock.now() - start });
    });
    await lookUp(100);
    // A flapping connection: three more reconnects within the interval.
    const calls = [lookUp(140), lookUp(120), lookUp(160)];
    await Promise.all(calls);
    expect(ran).toEqual([
      { since: 100, at: 0 },
      { since: 120, at: 30_000 },
    ]);
    // After the interval has passed, the next one runs at once.
    await clock.sleep(45_000);
    await lookUp(200);
    expect(ran.at(-1)).toEqual({ since: 200, at: 75_000 });
  });

  it("runs none once the leadership term is over", async () => {
    const clock = new VirtualClock();
    const term = new AbortController();
    const since: number[] = [];
    const lookUp = spacedLookUps(clock, term.signal, 30_000, async (s) => void since.push(s));
    await lookUp(1);
    const waiting = lookUp(2);
    term.abort(new Error("term over"));
    await waiting;
    await lookUp(3);
    expect(since).toEqual([1]);
  });
});
