import { describe, expect, it } from "vitest";
import { spacedLookUps } from "../../../../src/coordinator/nomad-events/follow-nomad-events.js";
import { VirtualClock } from "../fakes/virtual-clock.js";

/** The look-up after a reconnect lists the whole cluster's allocations: at most one per interval. */
const fail = (err: unknown) => {
  throw err;
};

describe("look-ups after a reconnect, spaced", () => {
  it("runs the first at once, folds the calls inside the interval into one from the oldest index", async () => {
    const clock = new VirtualClock();
    const start = clock.now();
    const ran: Array<{ since: number; at: number }> = [];
    const lookUp = spacedLookUps(
      clock,
      new AbortController().signal,
      30_000,
      async (since) => {
        ran.push({ since, at: clock.now() - start });
      },
      fail,
    );
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
    const lookUp = spacedLookUps(clock, term.signal, 30_000, async (s) => void since.push(s), fail);
    await lookUp(1);
    const waiting = lookUp(2);
    term.abort(new Error("term over"));
    await waiting;
    await lookUp(3);
    expect(since).toEqual([1]);
  });

  it("tries a failed look-up again an interval later, from its index and any older one asked for meanwhile", async () => {
    const clock = new VirtualClock();
    const start = clock.now();
    const tried: Array<{ since: number; at: number }> = [];
    const failures: Array<{ message: string; since: number }> = [];
    let down = 2;
    const lookUp = spacedLookUps(
      clock,
      new AbortController().signal,
      30_000,
      async (since) => {
        tried.push({ since, at: clock.now() - start });
        if (down-- > 0) throw new Error("connect ECONNREFUSED");
      },
      (err, since) => failures.push({ message: (err as Error).message, since }),
    );
    const first = lookUp(100);
    // A reconnect while the retry waits, from a later index: folded into the retry.
    await clock.sleep(10_000);
    const second = lookUp(150);
    await Promise.all([first, second]);
    expect(tried).toEqual([
      { since: 100, at: 0 },
      { since: 100, at: 30_000 },
      { since: 100, at: 60_000 },
    ]);
    expect(failures).toEqual([
      { message: "connect ECONNREFUSED", since: 100 },
      { message: "connect ECONNREFUSED", since: 100 },
    ]);
  });

  it("stops trying a failing look-up once the term is over", async () => {
    const clock = new VirtualClock();
    const term = new AbortController();
    let tries = 0;
    const lookUp = spacedLookUps(
      clock,
      term.signal,
      30_000,
      async () => {
        tries++;
        throw new Error("Nomad unreachable");
      },
      () => undefined,
    );
    const running = lookUp(1);
    await clock.sleep(45_000);
    term.abort(new Error("term over"));
    await running;
    expect(tries).toBe(2);
  });
});
